"""One OAuth 2.0 client-credentials token for everything a worker process calls: gRPC and REST v2.

A Camunda 8 cluster with Identity (or SaaS) asks every call for a bearer token from its authorization
server. pyzeebe's ``OAuth2MetadataPlugin`` fetches it with the client id and secret, built as its
``Oauth2ClientCredentialsMetadataPlugin`` builds it (``requests-oauthlib``; ``REQUESTS_CA_BUNDLE`` for
the authorization server's CA) but with the session kept, to be closed; it caches the token and renews
it 60 s before it expires. The gRPC channel signs calls with that plugin; the REST client (the 督办 and
上报 asking whose parts are open) asks the same plugin for its header, so both carry one cached token.
Calls are serialised through one lock: pyzeebe's plugin alone lets every poller that starts before the
first token arrives fetch one of its own (nine token requests for one worker start, measured here).
A REST answer 401 (a token revoked early) renews it once and retries.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from functools import partial
from typing import Any

import grpc
import httpx
from oauthlib import oauth2
from pyzeebe.credentials import OAuth2MetadataPlugin
from requests_oauthlib import OAuth2Session

from xietong.workers.settings import WorkerSettings


class TokenUnavailable(RuntimeError):
    """The authorization server gave no token (wrong client id or secret, unreachable, refused)."""


class OAuthToken(grpc.AuthMetadataPlugin):  # type: ignore[misc]
    """The worker process's token source, built from the ``XIETONG_ZEEBE_CLIENT_*`` settings."""

    def __init__(self, settings: WorkerSettings) -> None:
        assert settings.zeebe_client_id and settings.zeebe_client_secret  # checked by the settings
        assert settings.zeebe_authorization_server_url
        self.authorization_server = settings.zeebe_authorization_server_url
        client = oauth2.BackendApplicationClient(
            client_id=settings.zeebe_client_id, scope=settings.zeebe_token_scope
        )
        self.session = OAuth2Session(client=client)
        fetch = partial(
            self.session.fetch_token,
            token_url=settings.zeebe_authorization_server_url,
            client_secret=settings.zeebe_client_secret.get_secret_value(),
            audience=settings.zeebe_token_audience,
        )
        self.plugin = OAuth2MetadataPlugin(oauth2session=self.session, func_retrieve_token=fetch)
        self._lock = threading.Lock()  # gRPC signs on its own threads, REST calls come from the handlers'

    def __call__(self, context: Any, callback: grpc.AuthMetadataPluginCallback) -> None:
        """Signs one gRPC call: the plugin's cached token, fetched by one caller at a time."""
        with self._lock:
            self.plugin(context, callback)

    def close(self) -> None:
        """Closes the connection to the authorization server (the token is fetched again if needed)."""
        self.session.close()

    def call_credentials(self) -> grpc.CallCredentials:
        """What the gRPC channel signs each call with (the plugin fetches and renews the token)."""
        return grpc.metadata_call_credentials(self)

    def authorization(self, renew: bool = False) -> str:
        """``Bearer <token>``: the cached token, fetched first if there is none or it is about to expire
        (or ``renew``: the server refused the cached one)."""
        answer: dict[str, Any] = {}

        def signed(metadata: Any, error: Exception | None) -> None:
            answer["metadata"], answer["error"] = metadata, error

        with self._lock:
            try:
                if renew:
                    self.plugin.retrieve_token()
                self.plugin(None, signed)  # the AuthMetadataPlugin interface gRPC calls, synchronous
            except Exception as error:  # any failure to get a token is one kind for callers
                answer["error"] = error
        if answer.get("error") is not None or not answer.get("metadata"):
            raise TokenUnavailable(
                f"no access token from {self.authorization_server} "
                f"(XIETONG_ZEEBE_AUTHORIZATION_SERVER_URL, XIETONG_ZEEBE_CLIENT_ID): {answer.get('error')}"
            )
        return str(dict(answer["metadata"])["authorization"])


class BearerAuth(httpx.Auth):
    """httpx authentication with the process's OAuth token; a 401 renews the token and retries once."""

    def __init__(self, token: OAuthToken) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["authorization"] = self.token.authorization()
        response = yield request
        if response.status_code == 401:
            request.headers["authorization"] = self.token.authorization(renew=True)
            yield request
