// The reference server of bench/run: node-oidc-provider (the version pinned in package.json),
// one process, in memory (a Map adapter, below), on 127.0.0.1 only.
//
// Configured to do what cclibs does on the measured paths:
//   * client_credentials (RFC 6749 §4.4) and authorization_code + refresh_token with rotation
//     on every use (RFC 9700 §4.14.2), clients authenticating with client_secret_basic;
//   * access tokens as JWTs (RFC 9068) through a resource indicator (RFC 8707) that is the
//     default resource, signed with PEER_ALG (RS256, or ES256), 24 h like cclibs';
//   * PKCE S256 on every authorization (RFC 7636), as cclibs' flows use it.
// Its own interaction route stands in for a login and consent page: every interaction logs in
// the one bench account and grants what was asked, so a script can run the real
// authorization-code flow (GET /auth, the redirects, POST /token) without a browser.
//
//   PEER_PORT=4000 PEER_ALG=ES256 node bench/peer/server.mjs
import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const port = Number(process.env.PEER_PORT || 4000);
const alg = process.env.PEER_ALG || 'RS256';
if (!['RS256', 'ES256'].includes(alg)) {
  throw new Error(`PEER_ALG must be RS256 or ES256, not ${alg}`);
}
const issuer = `http://${HOST}:${port}`;
// The bench's fixed credentials (bench/_peer.py sends the same); only ever on 127.0.0.1.
const SECRET = process.env.PEER_CLIENT_SECRET || 'bench-peer-secret';
const CALLBACK = 'https://app.example.com/callback';
const RESOURCE = `${issuer}/api`;
const DAY = 24 * 60 * 60;

// In memory, in this process: a Map per index. Not the provider's bundled MemoryAdapter, which
// keeps at most 1,000 entries (under load it evicts grants and codes minted seconds earlier,
// and refreshes and redemptions fail with invalid_grant) and rewrites a grant's whole member
// list on every token saved (the cost grows with each token of the grant). Entries expire
// with the TTLs the provider gives them; a run lasts seconds, so nothing is swept.
const entries = new Map(); // `${model}:${id}` -> { payload, expiry }
const grantMembers = new Map(); // grantId -> Set of entry keys (revokeByGrantId)
const sessionUids = new Map(); // Session uid -> id
const userCodes = new Map(); // device user code -> id

class Adapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiry = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    entries.set(key, { payload, expiry });
    if (payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
    if (this.model === 'Session') sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
  }

  async find(id) {
    const key = this.key(id);
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = entries.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    entries.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) entries.delete(key);
    grantMembers.delete(grantId);
  }
}

// Fresh signing keys per run: RSA for RS256 (and the ID tokens, whose default alg it is),
// P-256 for ES256.
function jwk(type, options) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid: `${type}-bench` };
}
const keys = [
  { ...jwk('rsa', { modulusLength: 2048 }), alg: 'RS256' },
  { ...jwk('ec', { namedCurve: 'P-256' }), alg: 'ES256' },
];

const configuration = {
  adapter: Adapter,
  clients: [
    {
      client_id: 'bench-s2s',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'bench-web',
      client_secret: SECRET,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'api'],
  features: {
    devInteractions: { enabled: false }, // the route below replaces it
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'api',
        audience: RESOURCE,
        accessTokenTTL: DAY,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
  // cclibs issues a refresh token to every Web App code exchange it allows, and rotates it on
  // every use; the peer does the same.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  pkce: { required: () => true },
  ttl: {
    AccessToken: DAY,
    ClientCredentials: DAY,
    IdToken: 3600,
    RefreshToken: 14 * DAY,
    Interaction: 3600,
    Session: 14 * DAY,
    Grant: 14 * DAY,
  },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
};

const provider = new Provider(issuer, configuration);
const handle = provider.callback();
// The first few token endpoint errors, with the detail the answer leaves out, to the log.
let logged = 0;
provider.on('grant.error', (_ctx, error) => {
  if (logged < 5) {
    logged += 1;
    console.log(`grant.error: ${error.error} (${error.error_detail || error.message})`);
  }
});

// The stand-in for login and consent: log the bench account in, grant what is missing.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session, grantId } = details;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: 'bench-user' } };
  } else {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  } else {
    handle(req, res);
  }
});
server.listen(port, HOST, () => {
  console.log(`oidc-provider ${alg} listening on ${issuer}`);
});
// Stop at once on SIGTERM (the bench's ServerProcess.stop waits for the process group).
process.on('SIGTERM', () => server.close(() => process.exit(0)));
