// oauth4webapi as a public Native App (no secret, PKCE S256) on a loopback redirect URI with
// a port of its own (RFC 8252 §7.3): discovery from the IMS path, the code exchange with the
// ID token checked for iss, aud, nonce and exp and against the JWKS
// (validateApplicationLevelSignature), UserInfo, a refresh, and the access tokens validated
// as a resource server would (validateJwtAccessToken, RFC 9068) for the audience
// "<issuer>/api". A wrong audience must be refused: that shows the check is real.
//
// stdin:  {"issuer", "client_id", "redirect_uri", "scope"}, then {"callback"}
// stdout: {"authorize", "nonce", "state"}, then {"result"} (or {"error"})
import * as oauth from 'oauth4webapi';

import { outcome, receive, run, send } from './stdio.mjs';

// The test server's issuer is http on 127.0.0.1; the library refuses http otherwise.
const options = () => ({ [oauth.allowInsecureRequests]: true, signal: AbortSignal.timeout(10_000) });

// A request to the Libraries API as its resource server receives it.
const apiRequest = (issuer, accessToken) =>
  new Request(`${issuer}/api/v1/libraries`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });

await run(async () => {
  const { issuer, client_id, redirect_uri, scope } = await receive();
  const issuerUrl = new URL(issuer);
  const discovered = await fetch(new URL('/ims/.well-known/openid-configuration', issuerUrl), {
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const as = await oauth.processDiscoveryResponse(issuerUrl, discovered);
  const client = { client_id };
  const clientAuth = oauth.None();

  const codeVerifier = oauth.generateRandomCodeVerifier();
  const nonce = oauth.generateRandomNonce();
  const state = oauth.generateRandomState();
  const authorize = new URL(as.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id,
    redirect_uri,
    response_type: 'code',
    scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  }).toString();
  send({ authorize: authorize.href, nonce, state });

  const { callback } = await receive();
  const params = oauth.validateAuthResponse(as, client, new URL(callback), state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuth,
    params,
    redirect_uri,
    codeVerifier,
    options(),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce,
    requireIdToken: true,
  });
  await oauth.validateApplicationLevelSignature(as, response, options());
  const claims = oauth.getValidatedIdTokenClaims(tokens);

  const userinfo = await oauth.processUserInfoResponse(
    as,
    client,
    claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, options()),
  );

  const audience = `${issuer}/api`;
  const accessTokenClaims = await oauth.validateJwtAccessToken(
    as,
    apiRequest(issuer, tokens.access_token),
    audience,
    options(),
  );
  const wrongAudience = await outcome(() =>
    oauth.validateJwtAccessToken(
      as,
      apiRequest(issuer, tokens.access_token),
      `${issuer}/elsewhere`,
      options(),
    ),
  );

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, options()),
  );
  const refreshedClaims = await oauth.validateJwtAccessToken(
    as,
    apiRequest(issuer, refreshed.access_token),
    audience,
    options(),
  );

  return {
    server_metadata: as,
    token: {
      token_type: tokens.token_type,
      scope: tokens.scope,
      expires_in: tokens.expires_in,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
    },
    id_token_claims: claims,
    userinfo,
    access_token_claims: accessTokenClaims,
    wrong_audience: wrongAudience,
    refreshed: {
      token_type: refreshed.token_type,
      access_token: refreshed.access_token,
      refresh_token: refreshed.refresh_token,
    },
    refreshed_access_token_claims: refreshedClaims,
  };
});
