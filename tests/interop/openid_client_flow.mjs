// openid-client v6 as a confidential Web App (client_secret_basic), the way an Express or
// Next.js back end uses it: discovery, authorization code + PKCE (S256) + nonce + state,
// the ID token checked against the JWKS (enableNonRepudiationChecks) as well as for iss,
// aud, nonce, exp and the RFC 9207 iss in the callback; then UserInfo, a refresh and the
// revocation of the refreshed token.
//
// stdin:  {"issuer", "client_id", "client_secret", "redirect_uri", "scope"}, then {"callback"}
// stdout: {"authorize", "nonce", "state"}, then {"result"} (or {"error"})
import * as client from 'openid-client';

import { outcome, receive, run, send } from './stdio.mjs';

await run(async () => {
  const { issuer, client_id, client_secret, redirect_uri, scope } = await receive();
  const config = await client.discovery(
    new URL(issuer),
    client_id,
    client_secret,
    client.ClientSecretBasic(client_secret),
    {
      // The test server's issuer is http on 127.0.0.1; the library refuses http otherwise.
      execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
      timeout: 10,
    },
  );

  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorize = client.buildAuthorizationUrl(config, {
    redirect_uri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  });
  send({ authorize: authorize.href, nonce, state });

  const { callback } = await receive();
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const userinfoAfterRefresh = await client.fetchUserInfo(
    config,
    refreshed.access_token,
    claims.sub,
  );

  await client.tokenRevocation(config, refreshed.refresh_token, {
    token_type_hint: 'refresh_token',
  });
  const refreshAfterRevocation = await outcome(() =>
    client.refreshTokenGrant(config, refreshed.refresh_token),
  );
  const userinfoAfterRevocation = await outcome(() =>
    client.fetchUserInfo(config, refreshed.access_token, claims.sub),
  );

  return {
    server_metadata: config.serverMetadata(),
    token: {
      token_type: tokens.token_type,
      scope: tokens.scope,
      expires_in: tokens.expires_in,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
    },
    id_token_claims: claims,
    userinfo,
    refreshed: {
      token_type: refreshed.token_type,
      scope: refreshed.scope,
      access_token: refreshed.access_token,
      refresh_token: refreshed.refresh_token,
      id_token: refreshed.id_token ?? null,
    },
    userinfo_after_refresh: userinfoAfterRefresh,
    refresh_after_revocation: refreshAfterRevocation,
    userinfo_after_revocation: userinfoAfterRevocation,
  };
});
