/**
 * Reads the LeadScoreBreakdown__c text the leadscore sync writes (format version 1).
 *
 * Pure: no LWC or Salesforce imports, so jest tests it directly. The card must never go blank,
 * so every input maps to a status instead of throwing:
 *   ok             a v1 object, normalised (unknown keys ignored: the format may grow)
 *   empty          nothing written yet
 *   invalid        not JSON, or JSON that is not an object
 *   unsupported    an object of another format version ("v" != 1)
 *   truncated-text JSON cut mid-text, e.g. after an admin shortened the field
 */

export const SUPPORTED_VERSION = 1;

export function parseBreakdown(text) {
    if (typeof text !== 'string' || text.trim() === '') {
        return { status: 'empty' };
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        return { status: isCutShort(text) ? 'truncated-text' : 'invalid' };
    }
    if (!isPlainObject(parsed)) {
        return { status: 'invalid' };
    }
    if (parsed.v !== SUPPORTED_VERSION) {
        return { status: 'unsupported', version: describeVersion(parsed.v) };
    }
    return { status: 'ok', breakdown: normaliseV1(parsed) };
}

/** Whether unparsable text is the start of a JSON object: brackets or a string left open. */
export function isCutShort(text) {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{')) {
        return false;
    }
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (const char of trimmed) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (char === '\\') {
                escaped = true;
            } else if (char === '"') {
                inString = false;
            }
        } else if (char === '"') {
            inString = true;
        } else if (char === '{' || char === '[') {
            depth += 1;
        } else if (char === '}' || char === ']') {
            depth -= 1;
        }
    }
    return inString || depth > 0;
}

function normaliseV1(raw) {
    return {
        score: numberOrNull(raw.score),
        band: stringOrNull(raw.band),
        fit: numberOrNull(raw.fit),
        engagement: numberOrNull(raw.engagement),
        followUp: raw.follow_up === true,
        scoredAt: stringOrNull(raw.scored_at),
        nextChangeAt: stringOrNull(raw.next_change_at),
        rules: arrayOf(raw.rules).map(normaliseRule).filter(Boolean),
        rulesMore: countOrZero(raw.rules_more),
        truncated: raw.truncated === true
    };
}

function normaliseRule(raw) {
    if (!isPlainObject(raw) || typeof raw.points !== 'number') {
        return null; // a rule without points says nothing a rep can use
    }
    const id = stringOrNull(raw.id);
    const label = stringOrNull(raw.label) || id;
    if (!label) {
        return null;
    }
    return {
        id: id || label,
        label,
        points: raw.points,
        kind: stringOrNull(raw.kind),
        value: raw.value === undefined || raw.value === null ? null : String(raw.value),
        measure: numberOrNull(raw.measure),
        until: stringOrNull(raw.until),
        evidence: arrayOf(raw.evidence).map(normaliseEvidence).filter(Boolean),
        evidenceMore: countOrZero(raw.evidence_more)
    };
}

function normaliseEvidence(raw) {
    if (!isPlainObject(raw)) {
        return null;
    }
    const at = stringOrNull(raw.at);
    const id = stringOrNull(raw.id);
    return at || id ? { id, at } : null;
}

function describeVersion(version) {
    return typeof version === 'number' || typeof version === 'string' ? String(version) : '?';
}

function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value) {
    return Array.isArray(value) ? value : [];
}

function numberOrNull(value) {
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value) {
    return typeof value === 'string' && value !== '' ? value : null;
}

function countOrZero(value) {
    return typeof value === 'number' && value > 0 ? Math.floor(value) : 0;
}
