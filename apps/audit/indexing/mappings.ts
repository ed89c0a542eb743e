import { ENTITY_TYPES } from '@embargo/masking';

/**
 * Findings per entity type, one field each and nothing else: a key the schema does not name
 * (`EMAIL_ADDRESS.x`) would turn `findings.EMAIL_ADDRESS` into an object and every genuine
 * event would be refused after it. `long`, as the dynamic mapping of earlier releases made
 * these fields, so an existing index takes this mapping in place.
 */
const PER_ENTITY_TYPE = {
  dynamic: 'strict',
  properties: Object.fromEntries(ENTITY_TYPES.map((t) => [t, { type: 'long' as const }])),
} as const;

/**
 * Index mappings. Field names are stored values: add fields, never rename them (the audit
 * service adds new ones to an existing index when it starts).
 * `dynamic: strict` on the top level keeps a malformed event from widening the mapping;
 * the sealed original is stored but not indexed, so no search can read it.
 */
export const EVENTS_INDEX_MAPPING = {
  dynamic: 'strict',
  properties: {
    eventId: { type: 'keyword' },
    type: { type: 'keyword' },
    source: { type: 'keyword' },
    time: { type: 'date' },
    indexedAt: { type: 'date' },
    requestId: { type: 'keyword' },
    stage: { type: 'keyword' },
    instance: { type: 'keyword' },
    model: { type: 'keyword' },
    connection: { type: 'keyword' },
    principal: {
      properties: {
        id: { type: 'keyword' },
        issuer: { type: 'keyword' },
        subject: { type: 'keyword' },
        roles: { type: 'keyword' },
        groups: { type: 'keyword' },
      },
    },
    /** A token's id (jti): on the requests made with it and on the exchange that issued it. */
    tokenId: { type: 'keyword' },
    subjectTokenId: { type: 'keyword' },
    effect: { type: 'keyword' },
    ruleIds: { type: 'keyword' },
    bundleVersion: { type: 'long' },
    status: { type: 'integer' },
    code: { type: 'keyword' },
    message: { type: 'text' },
    /** A refusal of a caller without a verified identity: where it came from. */
    clientIp: { type: 'keyword' },
    /** An event standing for a flood of refusals: how many more had no event of their own. */
    heldBack: { type: 'long' },
    /** An auditor's action: the credential used and where from, and the reason given. */
    actor: {
      properties: {
        credential: { type: 'keyword' },
        clientIp: { type: 'keyword' },
        userAgent: { type: 'keyword' },
      },
    },
    reason: { type: 'text' },
    maskedInput: { type: 'text' },
    findings: PER_ENTITY_TYPE,
    counts: PER_ENTITY_TYPE,
    fingerprints: {
      properties: {
        index: { type: 'integer' },
        sha256: { type: 'keyword' },
        simhash: { type: 'keyword' },
      },
    },
    original: { type: 'object', enabled: false },
    /** The full validated event data, stored for provenance, not indexed. */
    data: { type: 'object', enabled: false },
    /** SHA-256 of the canonical event, for tamper evidence. */
    digest: { type: 'keyword' },
  },
} as const;

export const DEAD_LETTERS_MAPPING = {
  dynamic: 'strict',
  properties: {
    eventId: { type: 'keyword' },
    time: { type: 'date' },
    sourceTopic: { type: 'keyword' },
    partition: { type: 'integer' },
    offset: { type: 'keyword' },
    consumerGroup: { type: 'keyword' },
    reason: { type: 'text' },
    truncated: { type: 'boolean' },
  },
} as const;
