"""How the workers and ``xietong deploy`` reach a Zeebe gateway, from the ``XIETONG_ZEEBE_*`` settings.

Plaintext for the embedded engine on loopback (with the worker client's token if one is set, sent
over the loopback connection only); TLS, with a static bearer token, for an engine
exposed with ``engine serve --tls-cert`` and ``XIETONG_GATEWAY_TOKENS``; OAuth 2.0 client
credentials for a Camunda 8 cluster (SaaS, or Self-Managed with Identity), the token fetched
and renewed before it expires by pyzeebe's credentials plugin (``oauth_token``: the worker process
shares that one token between gRPC and its REST calls). Changing cluster changes settings, not code.
"""

from __future__ import annotations

import grpc
from pyzeebe import create_insecure_channel, create_secure_channel

from xietong.workers.oauth_token import OAuthToken
from xietong.workers.settings import WorkerSettings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def on_loopback(address: str) -> bool:
    return address.rpartition(":")[0] in LOOPBACK_HOSTS


def open_channel(settings: WorkerSettings, oauth: OAuthToken | None = None) -> grpc.aio.Channel:
    """The gateway channel the settings describe; with OAuth client credentials, signed by ``oauth``
    (the process's token source, shared with its REST client) or a token source of its own."""
    plain_token = (
        settings.zeebe_token is not None and not settings.zeebe_tls and settings.zeebe_tls_ca is None
    )
    if plain_token and not settings.uses_oauth and on_loopback(settings.zeebe_address):
        # the embedded engine on this machine: the worker client's token over loopback without TLS
        # (grpc's local credentials let call credentials travel on a connection that never leaves the host)
        assert settings.zeebe_token is not None
        local = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        call = grpc.access_token_call_credentials(settings.zeebe_token.get_secret_value())
        return create_secure_channel(
            grpc_address=settings.zeebe_address,
            channel_credentials=grpc.composite_channel_credentials(local, call),
        )
    if not settings.uses_tls:
        return create_insecure_channel(grpc_address=settings.zeebe_address)
    root = settings.zeebe_tls_ca.read_bytes() if settings.zeebe_tls_ca else None
    credentials = grpc.ssl_channel_credentials(root)
    if settings.uses_oauth:
        # as pyzeebe's create_oauth2_client_credentials_channel does, with the plugin kept for REST too
        call = (oauth or OAuthToken(settings)).call_credentials()
        return create_secure_channel(
            grpc_address=settings.zeebe_address,
            channel_credentials=grpc.composite_channel_credentials(credentials, call),
        )
    if settings.zeebe_token is not None:
        call = grpc.access_token_call_credentials(settings.zeebe_token.get_secret_value())
        credentials = grpc.composite_channel_credentials(credentials, call)
    return create_secure_channel(grpc_address=settings.zeebe_address, channel_credentials=credentials)
