"""`xietong engine serve` refuses bad configuration with a message that says what to fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.gateway.engine_process import REPO, XIETONG, RunningGateway, free_port


def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XIETONG), "engine", "serve", "--data", str(tmp_path / "data"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_grpc_port_in_use(gateway: RunningGateway, tmp_path: Path) -> None:
    result = serve(tmp_path, "--address", gateway.address, "--rest-address", f"127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert f"cannot listen on {gateway.address} (gRPC)" in result.stderr


def test_rest_port_in_use(gateway: RunningGateway, tmp_path: Path) -> None:
    rest = gateway.rest_url.removeprefix("http://")
    result = serve(tmp_path, "--address", f"127.0.0.1:{free_port()}", "--rest-address", rest)
    assert result.returncode == 1
    assert f"cannot listen on {rest} (REST)" in result.stderr


def test_malformed_address(tmp_path: Path) -> None:
    result = serve(tmp_path, "--address", "26500")
    assert result.returncode == 2
    assert "address" in result.stderr and "expected host:port" in result.stderr


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    result = serve(tmp_path, "--tls-cert", str(cert))
    assert result.returncode == 2
    assert "tls_cert and tls_key must be given together" in result.stderr
