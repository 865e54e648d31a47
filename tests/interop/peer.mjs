// An independent ActivityPub server, built with Fedify, that the
// interoperability tests (tests/it/interop.rs) run as a peer of real Tadamun
// nodes on loopback. Everything that signs, verifies, parses or expands here
// is Fedify's (or jsonld.js's) own code: this file only wires it together and
// reports what that code says, so that the tests compare Tadamun with an
// implementation it shares nothing with.
//
// Usage: node peer.mjs  → prints `ready http://localhost:PORT` on stdout, then
// serves until its standard input closes or it gets SIGTERM (so a test that
// dies takes the peer with it).
//
// The tests drive it through a small JSON API under /control/ (see `routes`).

import { setDefaultResultOrder } from "node:dns";
import http from "node:http";
import { randomUUID } from "node:crypto";

import dataIntegrity from "@digitalbazaar/data-integrity-context";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  MemoryKvStore,
  Note,
  Object as APObject,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  Update,
  createFederation,
  detachSignature,
  exportMultibaseKey,
  generateCryptoKeyPair,
  getDocumentLoader,
  signJsonLd,
  signObject,
  signRequest,
  verifyObject,
  verifyProof,
  verifyRequest,
} from "@fedify/fedify";
import jsonld from "jsonld";

// Nodes listen on 127.0.0.1 and are named `localhost`: resolve that to IPv4.
setDefaultResultOrder("ipv4first");

const IDENTIFIER = "observer";

// --- JSON-LD contexts, offline -------------------------------------------------
// Fedify preloads these contexts; the machine running the tests may not reach
// their hosts, so nothing else is ever fetched for a context.
const FEDIFY_PRELOADED = new Set([
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/v1",
  "https://w3id.org/security/data-integrity/v1",
  "https://www.w3.org/ns/did/v1",
  "https://w3id.org/security/multikey/v1",
  "https://w3id.org/identity/v1",
]);
const preloaded = getDocumentLoader();
const dataIntegrityV2 = dataIntegrity.DATA_INTEGRITY_CONTEXT_V2_URL;

async function offlineContextLoader(url) {
  if (url === dataIntegrityV2) {
    return { contextUrl: null, document: dataIntegrity.CONTEXT, documentUrl: url };
  }
  if (FEDIFY_PRELOADED.has(url)) return await preloaded(url);
  throw new Error(`the context ${url} is not available offline`);
}

// Documents (actors, keys) are fetched by Fedify's own loader, which may reach
// loopback addresses here; contexts come from the offline loader above.
const federation = createFederation({
  kv: new MemoryKvStore(),
  allowPrivateAddress: true,
  contextLoaderFactory: () => offlineContextLoader,
});

// --- The actor and its keys ------------------------------------------------------
// One RSA key for HTTP signatures and one Ed25519 key for integrity proofs,
// made at start (WebCrypto makes both in milliseconds).
const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const ed25519 = await generateCryptoKeyPair("Ed25519");
// Signs requests that claim to come from our actor without being ours.
const stranger = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== IDENTIFIER) return null;
    const [rsaPair, edPair] = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Observer",
      summary: "Follows organisations to see what independent software receives.",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: rsaPair.cryptographicKey,
      // Only the Ed25519 key makes proofs, so only it is an assertion method.
      assertionMethods: [edPair.multikey],
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === IDENTIFIER ? [rsa, ed25519] : []));

// --- What arrives -----------------------------------------------------------------
// Raw bodies and Fedify's HTTP-signature verdict, by activity id, taken before
// Fedify handles the request; the inbox listeners complete each entry.
const arriving = new Map();
const received = [];

const loaders = (ctx) => ({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });

/** Fedify's verdict on every integrity proof a received document carries.
 * A Linked Data signature (`signature`) is added after the proof, so it is
 * set aside first, as Fedify's own inbox does (detachSignature). */
async function proofReport(arrived, options) {
  const document = detachSignature(arrived);
  const report = {};
  if (document?.proof != null) report.document = await verifyDocument(document, options);
  const inner = document?.object;
  if (inner != null && typeof inner === "object" && inner.proof != null) {
    report.object = await verifyEmbedded(detachSignature(inner), document["@context"], options);
  }
  return report;
}

/** A document with its own @context: Fedify's verifyObject (every proof valid,
 * every actor and attributedTo covered by a proof's key). */
async function verifyDocument(document, options) {
  try {
    const verified = await verifyObject(APObject, document, options);
    return verified == null
      ? { valid: false, reason: "a proof does not verify, or an actor or author is not covered by a proof" }
      : { valid: true, class: verified.constructor.name };
  } catch (error) {
    return { valid: false, reason: `Fedify cannot read the document: ${error.message}` };
  }
}

/** An object embedded in an activity: Fedify reads it in the activity's
 * context and checks each of its proofs over the object as embedded. (Fedify
 * 1.5 itself checks only the activity's proofs, which cover the object; and
 * its verifyProof writes a missing @context as a malformed proof
 * configuration, so an embedded object without @context of its own never
 * verifies here. The tests read this verdict but do not rely on it.) */
async function verifyEmbedded(inner, context, options) {
  try {
    const object = await APObject.fromJsonLd({ "@context": context, ...inner }, options);
    const authors = new Set(object.attributionIds.map((id) => id.href));
    for await (const proof of object.getProofs(options)) {
      const key = await verifyProof(inner, proof, options);
      if (key == null) return { valid: false, reason: "a proof does not verify" };
      authors.delete(key.controllerId?.href);
    }
    if (authors.size > 0) return { valid: false, reason: `not signed by ${[...authors].join(", ")}` };
    return { valid: true, class: object.constructor.name };
  } catch (error) {
    return { valid: false, reason: `Fedify cannot read the object: ${error.message}` };
  }
}

function text(value) {
  return value == null ? null : value.toString();
}

async function record(ctx, activity) {
  const entry = arriving.get(activity.id?.href) ?? {};
  let object = null;
  try {
    object = await activity.getObject(loaders(ctx));
  } catch (error) {
    entry.objectError = error.message;
  }
  const url = object?.url;
  received.push({
    id: activity.id?.href ?? null,
    class: activity.constructor.name,
    actor: activity.actorId?.href ?? null,
    inbox: ctx.recipient ?? "shared",
    json: entry.json ?? null,
    objectError: entry.objectError ?? null,
    httpSignature: entry.httpSignature ?? null,
    object:
      object == null
        ? null
        : {
            class: object.constructor.name,
            id: object.id?.href ?? null,
            name: text(object.name),
            summary: text(object.summary),
            content: text(object.content),
            url: url == null ? null : url instanceof URL ? url.href : (url.href?.href ?? null),
          },
    proofs: entry.json == null ? {} : await proofReport(entry.json, loaders(ctx)),
  });
}

const listeners = federation.setInboxListeners("/users/{identifier}/inbox", "/inbox");
for (const type of [Create, Update, Delete, Announce, Accept, Reject, Undo]) listeners.on(type, record);
// What Fedify could not take, for the tests' failure messages.
const inboxErrors = [];
listeners.onError((_ctx, error) => {
  inboxErrors.push(error.message);
  console.error("inbox listener failed:", error);
});

// --- Sending ------------------------------------------------------------------------
// What Fedify sent, by activity id, to answer `replay` with the very same request.
const sentRequests = new Map();
const fetchDirectly = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  if (request.method === "POST") {
    const body = await request.clone().text();
    try {
      sentRequests.set(JSON.parse(body).id, { url: request.url, headers: [...request.headers], body });
    } catch {
      // Not JSON: nothing to replay.
    }
  }
  return fetchDirectly(request);
};

// Follows sent, by id, so that an Undo can embed the Follow it undoes.
const follows = new Map();

function newId(ctx) {
  return new URL(`/activities/${randomUUID()}`, ctx.origin);
}

async function lookupActor(ctx, url) {
  const actor = await ctx.lookupObject(url);
  if (actor == null || actor.inboxId == null) throw new Error(`${url} is not an actor with an inbox`);
  return actor;
}

/** Sends through Fedify's own pipeline (proof, Linked Data signature, HTTP
 * signature); answers the receiver's status. */
async function send(ctx, recipient, activity) {
  try {
    await ctx.sendActivity({ identifier: IDENTIFIER }, recipient, activity, { immediate: true });
    return { sent: true, id: activity.id.href, json: JSON.parse(sentRequests.get(activity.id.href).body) };
  } catch (error) {
    return { sent: false, id: activity.id.href, error: error.message };
  }
}

/** A Follow made and signed with Fedify's primitives, sent the way `variant`
 * gets it wrong, each with a fresh id so that no replay check hides the fault. */
async function forge(ctx, target, variant) {
  const actor = await lookupActor(ctx, target);
  const sender = ctx.getActorUri(IDENTIFIER);
  const id = newId(ctx);
  const [rsaPair, edPair] = await ctx.getActorKeyPairs(IDENTIFIER);
  const signedFollow = async (object) =>
    await (await signObject(new Follow({ id, actor: sender, object }), edPair.privateKey, edPair.keyId, loaders(ctx)))
      .toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  let body = await signedFollow(actor.id);
  const headers = { "content-type": "application/activity+json", accept: "application/activity+json" };
  let signingKey = rsaPair.privateKey;
  let sentBody = null;
  switch (variant) {
    case "wrong-key":
      signingKey = stranger.privateKey;
      break;
    case "stale-date":
      headers.date = new Date(Date.now() - 2 * 3600 * 1000).toUTCString();
      break;
    case "tampered-body":
      // Another Follow, itself correctly proven, under the first one's HTTP
      // signature: only the request's digest and signature tell.
      sentBody = JSON.stringify(await signedFollow(new URL(`${actor.id.href}-tampered`)));
      break;
    case "tampered-proof": {
      // The proof's signature changed, everything else (HTTP signature included) valid.
      const value = body.proof.proofValue;
      const last = value.at(-1) === "2" ? "3" : "2";
      body = { ...body, proof: { ...body.proof, proofValue: value.slice(0, -1) + last } };
      break;
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
  const request = new Request(actor.inboxId, { method: "POST", headers, body: JSON.stringify(body) });
  const signed = await signRequest(request, signingKey, rsaPair.keyId);
  const response = await fetchDirectly(
    new Request(signed.url, { method: "POST", headers: signed.headers, body: sentBody ?? (await signed.text()) }),
  );
  return { id: id.href, status: response.status, answer: await response.text() };
}

/** Properties and types of an expanded document named by a blank node. */
function blankNodeTerms(node, found = new Set()) {
  if (Array.isArray(node)) {
    for (const item of node) blankNodeTerms(item, found);
  } else if (node != null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("_:")) found.add(key.slice(2));
      if (key === "@type") {
        for (const type of [value].flat()) if (typeof type === "string" && type.startsWith("_:")) found.add(type.slice(2));
      } else {
        blankNodeTerms(value, found);
      }
    }
  }
  return found;
}

// --- The control API ----------------------------------------------------------------
const routes = {
  "GET /control/actor": async (ctx) => {
    const [rsaPair, edPair] = await ctx.getActorKeyPairs(IDENTIFIER);
    return {
      actor: ctx.getActorUri(IDENTIFIER).href,
      rsaKeyId: rsaPair.keyId.href,
      ed25519KeyId: edPair.keyId.href,
      ed25519Multibase: await exportMultibaseKey(ed25519.publicKey),
    };
  },
  "GET /control/received": async () => received,
  "GET /control/inbox-errors": async () => inboxErrors,
  // {target}: Fedify follows an actor.
  "POST /control/follow": async (ctx, { target }) => {
    const recipient = await lookupActor(ctx, target);
    const follow = new Follow({ id: newId(ctx), actor: ctx.getActorUri(IDENTIFIER), object: recipient.id });
    follows.set(follow.id.href, { follow, recipient });
    return await send(ctx, recipient, follow);
  },
  // {follow}: Fedify undoes a Follow it sent.
  "POST /control/undo-follow": async (ctx, { follow: followId }) => {
    const { follow, recipient } = follows.get(followId) ?? {};
    if (follow == null) throw new Error(`no Follow ${followId} was sent`);
    return await send(ctx, recipient, new Undo({ id: newId(ctx), actor: follow.actorId, object: follow }));
  },
  // {target, variant}: a forged or broken Follow (see `forge`).
  "POST /control/forge": async (ctx, { target, variant }) => await forge(ctx, target, variant),
  // {id}: the request that carried activity `id`, sent again unchanged.
  "POST /control/replay": async (_ctx, { id }) => {
    const sent = sentRequests.get(id);
    if (sent == null) throw new Error(`no activity ${id} was sent`);
    const response = await fetchDirectly(
      new Request(sent.url, { method: "POST", headers: sent.headers, body: sent.body }),
    );
    return { status: response.status, answer: await response.text() };
  },
  // {content, linkedDataSignature}: a public Create of a Note, signed by
  // Fedify (signObject); with linkedDataSignature, also signed over that the
  // way Fedify's sendActivity does before sending (signJsonLd, RsaSignature2017).
  "POST /control/sign": async (ctx, { content, linkedDataSignature }) => {
    const actor = ctx.getActorUri(IDENTIFIER);
    const [rsaPair, edPair] = await ctx.getActorKeyPairs(IDENTIFIER);
    const note = new Note({ id: newId(ctx), attribution: actor, content, to: PUBLIC_COLLECTION });
    const create = new Create({ id: newId(ctx), actor, object: note, to: PUBLIC_COLLECTION });
    const signed = await signObject(create, edPair.privateKey, edPair.keyId, loaders(ctx));
    const document = await signed.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
    if (!linkedDataSignature) return document;
    return await signJsonLd(document, rsaPair.privateKey, rsaPair.keyId, { contextLoader: ctx.contextLoader });
  },
  // {document}: Fedify's verdict on its proofs, keys fetched by Fedify.
  "POST /control/verify": async (ctx, { document }) => await proofReport(document, loaders(ctx)),
  // {document}: jsonld.js expansion in safe mode (any term that would be
  // dropped, any relative or undefined IRI is an error), contexts offline.
  "POST /control/expand": async (_ctx, { document }) => {
    try {
      const expanded = await jsonld.expand(document, { safe: true, documentLoader: offlineContextLoader });
      // The ActivityStreams context maps every undefined term to a blank node
      // (`"@vocab": "_:"`), so safe mode keeps them; such a term is as good as
      // lost to any reader, so it counts as an error too.
      const undefinedTerms = blankNodeTerms(expanded);
      if (undefinedTerms.size > 0) {
        return { ok: false, error: `terms the context does not define: ${[...undefinedTerms].sort().join(", ")}` };
      }
      return { ok: true, expanded };
    } catch (error) {
      const details = error.details?.event?.message ?? error.details?.code ?? "";
      return { ok: false, error: `${error.message} ${details}`.trim() };
    }
  },
};

async function handle(request) {
  const url = new URL(request.url);
  const route = routes[`${request.method} ${url.pathname}`];
  if (route != null) {
    try {
      const input = request.method === "POST" ? await request.json() : {};
      const ctx = federation.createContext(new URL(url.origin), undefined);
      return Response.json(await route(ctx, input));
    } catch (error) {
      return Response.json({ error: error.message }, { status: 400 });
    }
  }
  if (request.method === "POST" && (url.pathname === "/inbox" || url.pathname.endsWith("/inbox"))) {
    // Keep the body as it came and ask Fedify's verifyRequest, on a copy, who
    // signed it; Fedify then handles the original as usual.
    const body = await request.text();
    const copy = () => new Request(request.url, { method: "POST", headers: request.headers, body });
    const ctx = federation.createContext(new URL(url.origin), undefined);
    let json = null;
    try {
      json = JSON.parse(body);
    } catch {
      // Fedify answers it.
    }
    if (json?.id != null) {
      const key = await verifyRequest(copy(), loaders(ctx)).catch(() => null);
      arriving.set(json.id, {
        json,
        httpSignature: key == null ? null : { keyId: key.id?.href ?? null, owner: key.ownerId?.href ?? null },
      });
    }
    return await federation.fetch(copy(), { contextData: undefined });
  }
  return await federation.fetch(request, { contextData: undefined });
}

// --- A plain node:http server around the fetch-style handler -------------------
const server = http.createServer(async (incoming, outgoing) => {
  try {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
    const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
      method: incoming.method,
      headers: Object.entries(incoming.headers).flatMap(([name, value]) =>
        Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]],
      ),
      body: hasBody ? Buffer.concat(chunks) : undefined,
    });
    const response = await handle(request);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("request failed:", error);
    outgoing.writeHead(500, { "content-type": "text/plain" });
    outgoing.end(String(error));
  }
});

server.listen(0, "127.0.0.1", () => {
  console.log(`ready http://localhost:${server.address().port}`);
});

function stop() {
  server.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
