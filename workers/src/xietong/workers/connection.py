"""How the workers and ``xietong deploy`` reach a Zeebe gateway, from the ``XIETONG_ZEEBE_*`` settings.

Plaintext for the embedded engine on loopback; TLS, with a static bearer token, for an engine
exposed with ``engine serve --tls-cert`` and ``XIETONG_GATEWAY_TOKENS``; OAuth 2.0 client
credentials for a Camunda 8 cluster (SaaS, or Self-Managed with Identity), the token fetched
and renewed before it expires by pyzeebe's credentials plugin. Changing cluster changes
settings, not code.
"""

from __future__ import annotations

import grpc
from pyzeebe import (
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)

from xietong.workers.settings import WorkerSettings


def open_channel(settings: WorkerSettings) -> grpc.aio.Channel:
    if not settings.uses_tls:
        return create_insecure_channel(grpc_address=settings.zeebe_address)
    root = settings.zeebe_tls_ca.read_bytes() if settings.zeebe_tls_ca else None
    credentials = grpc.ssl_channel_credentials(root)
    if settings.uses_oauth:
        assert settings.zeebe_client_id and settings.zeebe_client_secret  # checked by the settings
        assert settings.zeebe_authorization_server_url
        return create_oauth2_client_credentials_channel(
            grpc_address=settings.zeebe_address,
            client_id=settings.zeebe_client_id,
            client_secret=settings.zeebe_client_secret.get_secret_value(),
            authorization_server=settings.zeebe_authorization_server_url,
            scope=settings.zeebe_token_scope,
            audience=settings.zeebe_token_audience,
            channel_credentials=credentials,
        )
    if settings.zeebe_token is not None:
        call = grpc.access_token_call_credentials(settings.zeebe_token.get_secret_value())
        credentials = grpc.composite_channel_credentials(credentials, call)
    return create_secure_channel(grpc_address=settings.zeebe_address, channel_credentials=credentials)
