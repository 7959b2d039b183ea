"""``python -m xietong.workers.probe``: can these workers reach their gateway? (container health)

Calls Topology over the workers' own connection settings (``XIETONG_ZEEBE_*``: TLS, token, OAuth),
so the image's HEALTHCHECK and Kubernetes' probes test what the workers depend on. Exit 0 when
the gateway answers, 1 with one line on stderr when it does not.
"""

from __future__ import annotations

import asyncio
import sys

from pyzeebe import ZeebeClient

from xietong.workers.connection import open_channel
from xietong.workers.settings import WorkerSettings


async def probe(settings: WorkerSettings, timeout_s: float = 5.0) -> int:
    """The number of brokers the gateway reports; raises when it cannot be reached in time."""
    channel = open_channel(settings)
    try:
        topology = await asyncio.wait_for(ZeebeClient(channel).topology(), timeout_s)
    finally:
        await channel.close()
    return len(topology.brokers)


def main() -> None:
    try:
        settings = WorkerSettings()
        brokers = asyncio.run(probe(settings))
    except Exception as error:  # any failure is "not healthy", said in one line
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"gateway unreachable: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"{settings.zeebe_address}: {brokers} broker(s)")


if __name__ == "__main__":
    main()
