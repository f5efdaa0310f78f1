"""Ranked search over the catalog: BM25 over summary, path words, operationId words, tags and
the API's title, with a small synonym table for the words people use."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from alecs.catalog.model import Catalog, Operation

# Field weights: what a person types is most often in the summary or the path.
_FIELDS = (("summary", 3.0), ("path", 2.0), ("id", 1.5), ("tags", 1.5), ("api", 1.5), ("desc", 0.4))
_K1 = 1.2
_B = 0.6

_STOP = {
    "a", "an", "the", "of", "for", "to", "in", "on", "by", "and", "or", "with", "my", "all",
    "me", "i", "is", "are", "be", "from", "this", "that", "it", "its", "you", "your", "what",
    "how", "do", "can", "v1", "v2", "v3", "api",
}  # fmt: skip

# Query word -> extra words (already stemmed). Akamai product names and everyday synonyms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "gtm": ("global", "traffic", "management", "config-gtm"),
    "waf": ("appsec", "security", "firewall"),
    "kona": ("appsec", "security"),
    "appsec": ("security", "application"),
    "security": ("appsec",),
    "cert": ("certificate",),
    "ssl": ("certificate", "cps"),
    "tls": ("certificate", "cps"),
    "certificate": ("cps", "enrollment"),
    "purge": ("ccu", "invalidate", "delete"),
    "invalidate": ("purge",),
    "cache": ("purge", "ccu"),
    "ew": ("edgeworker",),
    "edgeworker": ("ew",),
    "ekv": ("edgekv",),
    "kv": ("edgekv",),
    "iam": ("identity",),
    "identity": ("iam",),
    "user": ("identity", "users"),
    "property": ("papi", "properties"),
    "papi": ("property",),
    "rule": ("rules",),
    "dns": ("config-dns", "zone", "record"),
    "zone": ("dns",),
    "record": ("recordset", "dns"),
    "recordset": ("record",),
    "list": ("get",),
    "show": ("list", "get"),
    "fetch": ("get",),
    "retrieve": ("get",),
    "find": ("search", "list", "get"),
    "remove": ("delete",),
    "delete": ("remove",),
    "add": ("create",),
    "create": ("add", "new"),
    "new": ("create",),
    "modify": ("update",),
    "change": ("update", "modify"),
    "edit": ("update",),
    "update": ("modify",),
    "activate": ("activation",),
    "activation": ("activate",),
    "deploy": ("activate", "activation"),
    "config": ("configuration",),
    "configuration": ("config",),
    "id": ("ids", "identifier"),
    "reference": ("string", "error"),
    "translate": ("translator", "translation"),
    "translator": ("translate",),
    "error": ("translator",),
    "diagnostic": ("diagnostics", "edge-diagnostics"),
    "debug": ("diagnostics",),
    "log": ("datastream", "stream"),
    "logs": ("datastream", "stream"),
    "stream": ("datastream",),
    "siem": ("security", "event"),
    "netlist": ("network", "list"),
    "ip": ("network", "address"),
    "block": ("network", "list", "deny"),
    "allow": ("network", "list"),
    "report": ("reporting", "reports"),
    "traffic": ("reporting", "gtm"),
    "image": ("imaging", "ivm", "policy"),
    "video": ("imaging", "ivm"),
    "cpcode": ("cp", "code", "cprg"),
    "hostname": ("host", "hostnames"),
    "mfa": ("amfa",),
    "eaa": ("crux", "enterprise", "application", "access"),
    "sia": ("etp", "secure", "internet", "access"),
    "etp": ("secure", "internet", "access"),
    "cloudlet": ("cloudlets",),
    "netstorage": ("storage",),
    "test": ("testing", "test-management"),
    "contract": ("contracts",),
    "group": ("groups",),
}

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def stem(word: str) -> str:
    """A light English stemmer: plurals and a few suffixes; good enough for API words."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 6:
        w = w[:-3]
    return w


def words(text: str) -> list[str]:
    """Tokens of a text: camelCase and kebab-case split, lowercased, stemmed, no stop words."""
    out = []
    for raw in _WORD.findall(_CAMEL.sub(" ", text or "")):
        w = stem(raw)
        if w and w not in _STOP:
            out.append(w)
    return out


def query_words(text: str) -> list[tuple[str, float]]:
    """Query tokens with weights: the typed words at 1.0, their synonyms at 0.5."""
    base = words(text)
    joined = {"-".join(base[i : i + 2]) for i in range(len(base) - 1)}
    out: dict[str, float] = {}
    for w in base:
        out[w] = max(out.get(w, 0), 1.0)
    for w in base:
        for syn in SYNONYMS.get(w, ()):
            for s in words(syn) if "-" not in syn else [syn]:
                out.setdefault(s, 0.5)
    for j in joined:
        out.setdefault(j, 0.3)
    for i in range(len(base) - 1):  # "edge hostnames" also finds /edgehostnames
        out.setdefault(base[i] + base[i + 1], 0.8)
    return list(out.items())


@dataclass(frozen=True, slots=True)
class Hit:
    operation: Operation
    score: float


class SearchIndex:
    """An inverted index over every operation of a catalog (built on first use)."""

    def __init__(self, catalog: Catalog) -> None:
        self._ops: list[Operation] = catalog.operations()
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._apis: dict[str, list[int]] = defaultdict(list)
        fields_len: dict[str, list[int]] = {f: [] for f, _ in _FIELDS}
        docs: list[dict[str, Counter[str]]] = []
        for i, op in enumerate(self._ops):
            info = op.api
            path_words = [
                w
                for seg in op.path.split("/")
                if seg and "{" not in seg
                for w in [*words(seg), seg.lower()]
            ]
            param_words = [w for n in op.path_names for w in words(n)]
            api_words = [
                *words(info.title),
                *words(info.api),
                info.api.lower(),
                info.family.lower(),
            ]
            fields = {
                "summary": Counter(words(op.summary)),
                "path": Counter(path_words + param_words),
                "id": Counter(words(op.id)),
                "tags": Counter(w for t in op.tags for w in words(t)),
                "api": Counter(api_words),
                "desc": Counter(words(op.description)),
            }
            docs.append(fields)
            for f, _ in _FIELDS:
                fields_len[f].append(sum(fields[f].values()))
            self._apis[info.api].append(i)
            self._apis[info.name].append(i)
        n = len(self._ops)
        avg = {f: (sum(v) / n if n else 1.0) or 1.0 for f, v in fields_len.items()}
        df: Counter[str] = Counter()
        for fields in docs:
            df.update({w for c in fields.values() for w in c})
        self._idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        for i, fields in enumerate(docs):
            # BM25F: field-weighted term frequency first, saturated once per term, so one word
            # found in several fields does not outweigh two different words.
            weights: dict[str, float] = defaultdict(float)
            for f, boost in _FIELDS:
                length = fields_len[f][i]
                for w, tf in fields[f].items():
                    weights[w] += boost * tf / (1 - _B + _B * length / avg[f])
            for w, wtf in weights.items():
                self._postings[w].append((i, wtf * (_K1 + 1) / (_K1 + wtf)))

    def search(self, query: str, api: str | None = None, limit: int = 10) -> list[Hit]:
        allowed: set[int] | None = None
        if api:
            key = api.strip().lower().replace("/", "-")
            allowed = set(self._apis.get(key, ()))
            if not allowed:
                allowed = {
                    i
                    for i, op in enumerate(self._ops)
                    if key in (op.api.name, op.api.api, op.api.family, op.api.title.lower())
                }
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        terms = query_words(query)
        for w, qw in terms:
            idf = self._idf.get(w)
            if idf is None:
                continue
            for i, value in self._postings[w]:
                if allowed is not None and i not in allowed:
                    continue
                scores[i] += qw * idf * value
                if qw >= 1.0:
                    matched[i] += 1
        typed = sum(1 for _, qw in terms if qw >= 1.0) or 1
        ranked = []
        for i, s in scores.items():
            op = self._ops[i]
            coverage = matched[i] / typed
            s *= 0.5 + coverage  # operations matching more of the typed words first
            if op.deprecated:
                s *= 0.7
            if op.method == "GET" and not op.path.endswith("}"):
                s *= 1.15  # a list (collection) operation is the usual entry point
            if not op.api.edgegrid:
                s *= 0.5  # not reachable with api-call (NetStorage Usage API)
            ranked.append((s, i))
        ranked.sort(key=lambda t: (-t[0], self._ops[t[1]].path))
        return [Hit(self._ops[i], round(s, 3)) for s, i in ranked[: max(1, limit)]]
