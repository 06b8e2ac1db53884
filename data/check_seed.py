#!/usr/bin/env python3
"""Validate roadmap seed files (format "roadmap-api/roadmap@1").

Usage:
    python3 data/check_seed.py [FILE ...]

Without arguments it checks data/roadmaps/backend.json next to this script.
Exits 0 when every file passes, 1 otherwise. Warnings never fail the run.

Standard library only, so it can run anywhere python3 is available
(no cargo, no network access needed).
"""

import datetime
import json
import os
import re
import sys
from urllib.parse import urlsplit

FORMAT = "roadmap-api/roadmap@1"

TOP_KEYS = ["format", "roadmap", "topics"]
ROADMAP_KEYS = [
    "slug", "title", "briefTitle", "description", "briefDescription", "order",
    "kind", "status", "tags", "isForkable", "hasTopics", "dimensions",
    "question", "seo", "structuredData", "sitemap", "pdfUrl", "jsonUrl",
    "sponsor", "relatedRoadmaps", "relatedQuestions",
]
DIMENSION_KEYS = ["width", "height"]
QUESTION_KEYS = ["title", "description"]
SEO_KEYS = ["title", "description", "keywords"]
STRUCTURED_KEYS = ["headline", "description", "imageUrl", "datePublished", "dateModified"]
SITEMAP_KEYS = ["priority", "changeFrequency"]
NODE_KEYS = ["id", "kind", "title", "description", "legend", "resources", "children"]
RESOURCE_KEYS = ["kind", "title", "url"]

ROADMAP_KINDS = {"ROLE", "SKILL"}
ROADMAP_STATUSES = {"DRAFT", "PUBLISHED"}
CHANGE_FREQUENCIES = {"ALWAYS", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "NEVER"}
LEGENDS = {None, "RECOMMENDED", "ALTERNATIVE", "ORDER_NOT_STRICT"}
RESOURCE_KINDS = {"ARTICLE", "VIDEO", "OFFICIAL", "OPENSOURCE", "COURSE",
                  "PODCAST", "BOOK", "FEED", "ROADMAP"}

ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
PREFERRED_ID_RE = re.compile(r"^[A-Za-z0-9]{16}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

MAX_DEPTH = 3
LEAF_RESOURCES = (1, 4)
INNER_RESOURCES = (0, 2)
TOPIC_SENTENCES = (2, 5)
MIN_TOPIC_DESCRIPTION_CHARS = 80

# Resource links must point at official docs or stable, well-known pages.
# A host matches when it equals an entry or is a subdomain of one. Extend
# this list deliberately, after checking that the new source is trustworthy.
ALLOWED_HOSTS = {
    "12factor.net", "apache.org", "apollographql.com", "atlassian.com",
    "caddyserver.com", "cisecurity.org", "cloudflare.com", "continuousdelivery.com",
    "couchdb.org", "datatracker.ietf.org", "dev.java", "docker.com",
    "djangoproject.com", "elastic.co", "git-scm.com", "github.com", "gitlab.com",
    "go.dev", "graphql.org", "grpc.io", "influxdata.com", "infoq.com", "istio.io",
    "jenkins.io", "jepsen.io", "javascript.info", "jsonapi.org", "jwt.io",
    "kubernetes.io", "learn.microsoft.com", "letsencrypt.org", "linuxcontainers.org",
    "mariadb.org", "martinfowler.com", "meilisearch.com", "memcached.org",
    "microservices.io", "mongodb.com", "mozilla.org", "mysql.com", "neo4j.com",
    "nginx.org", "nodejs.org", "oauth.net", "openapis.org", "openid.net",
    "opentelemetry.io", "oracle.com", "owasp.org", "php.net", "postgresql.org",
    "prometheus.io", "protobuf.dev", "python.org", "rabbitmq.com", "reactive-streams.org",
    "reactivemanifesto.org", "redis.io", "refactoring.guru", "relay.dev",
    "rfc-editor.org", "roadmap.sh", "ruby-lang.org", "rubyonrails.org",
    "rust-lang.org", "sqlite.org", "sre.google", "swagger.io", "testcontainers.com",
    "trunkbaseddevelopment.com", "uci.edu", "use-the-index-luke.com", "w3.org",
    "whatwg.org", "wikipedia.org", "aws.amazon.com",
}
# Official documentation hosts of the DevOps, Docker, Full Stack, Go and Java roadmaps.
ALLOWED_HOSTS |= {
    "angular.dev", "ansible.com", "chef.io", "cloud.google.com", "code.visualstudio.com", "curl.se",
    "debian.org", "expressjs.com", "fastify.dev", "gnu.org", "graalvm.org", "gradle.org",
    "grafana.com", "hashicorp.com", "helm.sh", "hibernate.org", "jakarta.ee", "junit.org",
    "kernel.org", "linkerd.io", "man7.org", "micronaut.io", "nextjs.org", "npmjs.com", "nuxt.com",
    "openjdk.org", "openssh.com", "opentofu.org", "playwright.dev", "podman.io", "prisma.io",
    "pulumi.com", "qos.ch", "quarkus.io", "react.dev", "redhat.com", "slf4j.org", "spring.io",
    "svelte.dev", "tailwindcss.com", "testcontainers.org", "typescriptlang.org", "ubuntu.com",
    "vite.dev", "vitest.dev", "vuejs.org", "web.dev",
}

# Topics the backend roadmap must cover (case-insensitive exact titles).
_BACKEND_REQUIRED_TITLES = [
    "Internet", "How does the Internet work?", "What is HTTP?", "DNS and how it works?",
    "Pick a Language", "Go", "Rust", "Git", "GitHub", "PostgreSQL", "SQLite",
    "ORMs", "ACID", "N+1 Problem", "CAP Theorem", "REST", "gRPC", "JWT", "OAuth",
    "SAML", "Redis", "CDN", "CORS", "bcrypt", "Argon2", "Unit Testing", "CI / CD",
    "CQRS", "Event Sourcing", "Microservices", "Twelve Factor Apps", "Elasticsearch",
    "Kafka", "RabbitMQ", "Docker", "Kubernetes", "GraphQL", "MongoDB", "Neo4j",
    "Circuit Breaker", "Backpressure", "Observability", "Nginx", "WebSockets",
    "Short Polling",
]

# Per-roadmap expectations. Roadmaps without an entry only get the structural
# checks (a stub with "hasTopics": false and no topics is valid).
DEFAULT_PROFILE = {
    "min_root_topics": 0,
    "min_subtopics": 0,
    "min_legends": 0,
    "question_paragraphs": (1, 3),
    "required_keywords": [],
    "required_titles": [],
}
PROFILES = {
    "backend": {
        "min_root_topics": 18,
        "min_subtopics": 100,
        "min_legends": 15,
        "question_paragraphs": (2, 2),
        "required_keywords": ["backend roadmap", "backend developer roadmap"],
        "required_titles": _BACKEND_REQUIRED_TITLES,
    },
}


def profile_for(slug):
    return {**DEFAULT_PROFILE, **PROFILES.get(slug, {})}

PLACEHOLDER_RE = re.compile(
    r"\b(lorem|ipsum|todo|tbd|fixme|xxx|placeholder)\b|\.\.\.|\u2026|<our own words",
    re.IGNORECASE,
)


class Report:
    def __init__(self, path):
        self.path = path
        self.errors = []
        self.warnings = []

    def error(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def warn(self, where, msg):
        self.warnings.append(f"{where}: {msg}")


class DuplicateKeyError(ValueError):
    pass


def _pairs_hook(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def count_sentences(text):
    """Rough sentence count for prose in markdown."""
    t = re.sub(r"`[^`]*`", "CODE", text)                    # inline code
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)          # links -> text
    t = re.sub(r"\b(e\.g|i\.e|etc|vs|cf)\.", r"\1", t, flags=re.IGNORECASE)
    return len(re.findall(r"[.!?][\"')\]*_]*(?=\s|$)", t))


def ends_like_sentence(text):
    return re.search(r"[.!?][\"')\]*_]*\s*$", text) is not None


def check_keys(rep, where, obj, expected):
    if not isinstance(obj, dict):
        rep.error(where, f"expected an object, got {type(obj).__name__}")
        return False
    keys = list(obj.keys())
    if keys != expected:
        missing = [k for k in expected if k not in obj]
        extra = [k for k in keys if k not in expected]
        if missing or extra:
            rep.error(where, f"keys mismatch (missing {missing}, unexpected {extra})")
        else:
            rep.error(where, f"keys out of order: {keys}, expected {expected}")
        return False
    return True


def check_text(rep, where, value, *, min_sentences=None, max_sentences=None,
               min_chars=1, max_chars=None):
    if not isinstance(value, str):
        rep.error(where, "expected a string")
        return
    if value != value.strip():
        rep.error(where, "leading or trailing whitespace")
    if len(value) < min_chars:
        rep.error(where, f"too short ({len(value)} < {min_chars} chars)")
    if max_chars is not None and len(value) > max_chars:
        rep.error(where, f"too long ({len(value)} > {max_chars} chars)")
    if min_sentences is not None:
        n = count_sentences(value)
        if n < min_sentences or (max_sentences is not None and n > max_sentences):
            rep.error(where, f"has {n} sentences, expected {min_sentences}-{max_sentences}")
        if not ends_like_sentence(value):
            rep.error(where, "does not end with sentence punctuation")


def check_string_list(rep, where, value, *, item_re=None, min_items=0):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        rep.error(where, "expected a list of strings")
        return
    if len(value) < min_items:
        rep.error(where, f"expected at least {min_items} items")
    if len(set(value)) != len(value):
        rep.error(where, "contains duplicates")
    for v in value:
        if not v.strip():
            rep.error(where, "contains an empty string")
        elif item_re is not None and not item_re.match(v):
            rep.error(where, f"invalid item {v!r}")


# The official documentation sites of the JavaScript, Node.js, PostgreSQL DBA, Python and
# System Design roadmaps: each is the project's own site (or its standards body).
ALLOWED_HOSTS |= {
    "eslint.org", "expressjs.com", "fastify.dev", "jestjs.io", "nestjs.com", "npmjs.com",
    "pnpm.io", "prettier.io", "prisma.io", "semver.org", "tc39.es", "typescriptlang.org",
    "v8.dev", "vitest.dev", "yarnpkg.com",
    "astral.sh", "mypy-lang.org", "numpy.org", "palletsprojects.com", "pydantic.dev",
    "pydata.org", "pypa.io", "pypi.org", "pytest.org", "python-poetry.org", "sqlalchemy.org",
    "tiangolo.com",
    "pgbackrest.org", "pgbouncer.org",
}


def host_allowed(host):
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in ALLOWED_HOSTS)


def check_url(rep, where, url):
    if not isinstance(url, str) or not url:
        rep.error(where, "url must be a non-empty string")
        return None
    if re.search(r"\s", url):
        rep.error(where, f"url contains whitespace: {url!r}")
    parts = urlsplit(url)
    if parts.scheme != "https":
        rep.error(where, f"url must use https: {url}")
    if not parts.hostname:
        rep.error(where, f"url has no host: {url}")
        return None
    if parts.username or parts.password or parts.port:
        rep.error(where, f"url must not contain credentials or a port: {url}")
    if not host_allowed(parts.hostname):
        rep.error(where, f"host {parts.hostname!r} is not in ALLOWED_HOSTS: {url}")
    return parts


def walk_strings(value, path="$"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, f"{path}[{i}]")


def parse_date(rep, where, value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        rep.error(where, "expected a YYYY-MM-DD date")
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        rep.error(where, f"invalid date {value!r}")
        return None


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_roadmap(rep, rm):
    w = "roadmap"
    if not check_keys(rep, w, rm, ROADMAP_KEYS):
        if not isinstance(rm, dict):
            return None
    slug = rm.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        rep.error(f"{w}.slug", f"invalid slug {slug!r}")
        slug = None
    check_text(rep, f"{w}.title", rm.get("title"), max_chars=80)
    check_text(rep, f"{w}.briefTitle", rm.get("briefTitle"), max_chars=40)
    check_text(rep, f"{w}.description", rm.get("description"),
               min_sentences=1, max_sentences=2, min_chars=60, max_chars=400)
    check_text(rep, f"{w}.briefDescription", rm.get("briefDescription"),
               min_sentences=1, max_sentences=1, min_chars=20, max_chars=120)
    if not is_int(rm.get("order")) or rm.get("order") < 0:
        rep.error(f"{w}.order", "expected a non-negative integer")
    kind = rm.get("kind")
    if kind not in ROADMAP_KINDS:
        rep.error(f"{w}.kind", f"expected one of {sorted(ROADMAP_KINDS)}")
    if rm.get("status") not in ROADMAP_STATUSES:
        rep.error(f"{w}.status", f"expected one of {sorted(ROADMAP_STATUSES)}")
    tags = rm.get("tags")
    check_string_list(rep, f"{w}.tags", tags, item_re=SLUG_RE, min_items=1)
    if kind == "ROLE" and isinstance(tags, list) and "role-roadmap" not in tags:
        rep.error(f"{w}.tags", "ROLE roadmaps must carry the 'role-roadmap' tag")
    for key in ("isForkable", "hasTopics"):
        if not isinstance(rm.get(key), bool):
            rep.error(f"{w}.{key}", "expected a boolean")

    profile = profile_for(slug)
    dims = rm.get("dimensions")
    if dims is None:
        if rm.get("hasTopics") is True:
            rep.error(f"{w}.dimensions", "required when hasTopics is true")
    elif check_keys(rep, f"{w}.dimensions", dims, DIMENSION_KEYS):
        for k in DIMENSION_KEYS:
            if not is_int(dims[k]) or dims[k] <= 0:
                rep.error(f"{w}.dimensions.{k}", "expected a positive integer")

    q = rm.get("question")
    if check_keys(rep, f"{w}.question", q, QUESTION_KEYS):
        check_text(rep, f"{w}.question.title", q["title"], max_chars=100)
        desc = q["description"]
        check_text(rep, f"{w}.question.description", desc, min_chars=150, max_chars=1500)
        if isinstance(desc, str):
            paragraphs = [p for p in re.split(r"\n\s*\n", desc) if p.strip()]
            lo, hi = profile["question_paragraphs"]
            if not lo <= len(paragraphs) <= hi:
                rep.error(f"{w}.question.description",
                          f"found {len(paragraphs)} paragraphs, expected {lo}-{hi}")
            for i, p in enumerate(paragraphs):
                n = count_sentences(p)
                if not 1 <= n <= 4:
                    rep.error(f"{w}.question.description",
                              f"paragraph {i + 1} has {n} sentences, expected 1-4")

    seo = rm.get("seo")
    if check_keys(rep, f"{w}.seo", seo, SEO_KEYS):
        check_text(rep, f"{w}.seo.title", seo["title"], min_chars=20, max_chars=80)
        check_text(rep, f"{w}.seo.description", seo["description"],
                   min_sentences=1, max_sentences=2, min_chars=50, max_chars=200)
        check_string_list(rep, f"{w}.seo.keywords", seo["keywords"], min_items=2)
        if isinstance(seo["keywords"], list):
            for kw in profile["required_keywords"]:
                if kw not in seo["keywords"]:
                    rep.error(f"{w}.seo.keywords", f"missing keyword {kw!r}")

    sd = rm.get("structuredData")
    if check_keys(rep, f"{w}.structuredData", sd, STRUCTURED_KEYS):
        check_text(rep, f"{w}.structuredData.headline", sd["headline"], max_chars=110)
        check_text(rep, f"{w}.structuredData.description", sd["description"],
                   min_sentences=1, max_sentences=2, min_chars=50, max_chars=300)
        if slug and sd["imageUrl"] != f"https://roadmap.sh/roadmaps/{slug}.png":
            rep.error(f"{w}.structuredData.imageUrl",
                      f"expected https://roadmap.sh/roadmaps/{slug}.png")
        published = parse_date(rep, f"{w}.structuredData.datePublished", sd["datePublished"])
        modified = parse_date(rep, f"{w}.structuredData.dateModified", sd["dateModified"])
        if published and modified and modified < published:
            rep.error(f"{w}.structuredData", "dateModified is before datePublished")

    sm = rm.get("sitemap")
    if check_keys(rep, f"{w}.sitemap", sm, SITEMAP_KEYS):
        pr = sm["priority"]
        if isinstance(pr, bool) or not isinstance(pr, (int, float)) or not 0 <= pr <= 1:
            rep.error(f"{w}.sitemap.priority", "expected a number between 0 and 1")
        if sm["changeFrequency"] not in CHANGE_FREQUENCIES:
            rep.error(f"{w}.sitemap.changeFrequency",
                      f"expected one of {sorted(CHANGE_FREQUENCIES)}")

    if slug:
        if rm.get("pdfUrl") != f"/pdfs/roadmaps/{slug}.pdf":
            rep.error(f"{w}.pdfUrl", f"expected /pdfs/roadmaps/{slug}.pdf")
        if rm.get("jsonUrl") != f"/jsons/roadmaps/{slug}.json":
            rep.error(f"{w}.jsonUrl", f"expected /jsons/roadmaps/{slug}.json")
    sponsor = rm.get("sponsor")
    if sponsor is not None and not isinstance(sponsor, dict):
        rep.error(f"{w}.sponsor", "expected null or an object")
    related = rm.get("relatedRoadmaps")
    check_string_list(rep, f"{w}.relatedRoadmaps", related, item_re=SLUG_RE)
    if slug and isinstance(related, list) and slug in related:
        rep.error(f"{w}.relatedRoadmaps", "a roadmap must not relate to itself")
    check_string_list(rep, f"{w}.relatedQuestions", rm.get("relatedQuestions"), item_re=SLUG_RE)
    return slug


class Stats:
    def __init__(self):
        self.roots = 0
        self.subtopics = 0
        self.leaves = 0
        self.resources = 0
        self.max_depth = 0
        self.legends = 0
        self.ids = {}
        self.titles = []


def check_resource(rep, where, res):
    if not check_keys(rep, where, res, RESOURCE_KEYS):
        return None
    kind = res["kind"]
    if kind not in RESOURCE_KINDS:
        rep.error(where, f"invalid resource kind {kind!r}")
    check_text(rep, f"{where}.title", res["title"], min_chars=3, max_chars=120)
    parts = check_url(rep, f"{where}.url", res["url"])
    if parts and parts.hostname:
        on_roadmap_sh = parts.hostname.lower() in ("roadmap.sh", "www.roadmap.sh")
        if kind == "ROADMAP" and not on_roadmap_sh:
            rep.error(where, "ROADMAP resources must link to roadmap.sh")
        if on_roadmap_sh and kind != "ROADMAP":
            rep.error(where, "links to roadmap.sh must use kind ROADMAP")
    return res["url"]


def check_node(rep, node, depth, where, stats):
    # "sameAs" (optional, last): the key of another topic of the roadmap that this one repeats.
    keys = NODE_KEYS + ["sameAs"] if isinstance(node, dict) and "sameAs" in node else NODE_KEYS
    if not check_keys(rep, where, node, keys):
        if not isinstance(node, dict):
            return
    stats.max_depth = max(stats.max_depth, depth)
    if depth > MAX_DEPTH:
        rep.error(where, f"nesting deeper than {MAX_DEPTH} levels")

    title = node.get("title")
    check_text(rep, f"{where}.title", title, max_chars=80)
    label = f"{where} ({title})" if isinstance(title, str) else where
    if isinstance(title, str):
        stats.titles.append(title)

    node_id = node.get("id")
    if not isinstance(node_id, str) or not ID_RE.match(node_id):
        rep.error(label, f"invalid id {node_id!r}")
    else:
        if node_id in stats.ids:
            rep.error(label, f"duplicate id {node_id!r} (also used by {stats.ids[node_id]})")
        else:
            stats.ids[node_id] = label
        if not PREFERRED_ID_RE.match(node_id):
            rep.warn(label, "id is valid but not a 16-character base62 id")

    expected_kind = "TOPIC" if depth == 1 else "SUBTOPIC"
    if node.get("kind") != expected_kind:
        rep.error(label, f"kind must be {expected_kind!r} at depth {depth}")

    check_text(rep, f"{label}.description", node.get("description"),
               min_sentences=TOPIC_SENTENCES[0], max_sentences=TOPIC_SENTENCES[1],
               min_chars=MIN_TOPIC_DESCRIPTION_CHARS, max_chars=900)

    legend = node.get("legend")
    if legend not in LEGENDS:
        rep.error(label, f"invalid legend {legend!r}")
    elif legend is not None:
        stats.legends += 1

    children = node.get("children")
    if not isinstance(children, list):
        rep.error(label, "children must be a list")
        children = []
    resources = node.get("resources")
    if not isinstance(resources, list):
        rep.error(label, "resources must be a list")
        resources = []

    lo, hi = LEAF_RESOURCES if not children else INNER_RESOURCES
    what = "leaf" if not children else "inner node"
    if not lo <= len(resources) <= hi:
        rep.error(label, f"{what} has {len(resources)} resources, expected {lo}-{hi}")
    urls = set()
    for i, res in enumerate(resources):
        url = check_resource(rep, f"{label}.resources[{i}]", res)
        if url is not None:
            if url in urls:
                rep.error(label, f"duplicate resource url {url}")
            urls.add(url)
    stats.resources += len(resources)

    if depth == 1:
        stats.roots += 1
    else:
        stats.subtopics += 1
    if not children:
        stats.leaves += 1

    sibling_titles = set()
    for i, child in enumerate(children):
        ct = child.get("title") if isinstance(child, dict) else None
        if isinstance(ct, str):
            if ct.lower() in sibling_titles:
                rep.error(label, f"duplicate child title {ct!r}")
            sibling_titles.add(ct.lower())
        check_node(rep, child, depth + 1, f"{where}.children[{i}]", stats)


def check_file(path):
    rep = Report(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        rep.error(path, f"cannot read file: {exc}")
        return rep, None
    if raw.startswith(b"\xef\xbb\xbf"):
        rep.error(path, "file starts with a UTF-8 BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        rep.error(path, f"not valid UTF-8: {exc}")
        return rep, None
    try:
        data = json.loads(text.lstrip("\ufeff"), object_pairs_hook=_pairs_hook)
    except (json.JSONDecodeError, DuplicateKeyError) as exc:
        rep.error(path, f"invalid JSON: {exc}")
        return rep, None

    for n, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            rep.error(f"line {n}", "tab used for indentation")
        elif len(indent) % 2:
            rep.error(f"line {n}", "indentation is not a multiple of 2 spaces")
        if line != line.rstrip():
            rep.error(f"line {n}", "trailing whitespace")
    if not text.endswith("\n"):
        rep.warn(path, "file does not end with a newline")
    canonical = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if text != canonical:
        rep.warn(path, "not in canonical form "
                       "(json.dumps(data, indent=2, ensure_ascii=False) + newline)")

    for where, s in walk_strings(data):
        if PLACEHOLDER_RE.search(s):
            rep.error(where, f"looks like placeholder text: {s[:60]!r}")

    if not check_keys(rep, "$", data, TOP_KEYS) and not isinstance(data, dict):
        return rep, None
    if data.get("format") != FORMAT:
        rep.error("format", f"expected {FORMAT!r}")
    slug = check_roadmap(rep, data.get("roadmap"))

    topics = data.get("topics")
    stats = Stats()
    if not isinstance(topics, list):
        rep.error("topics", "expected a list")
        return rep, stats
    root_titles = set()
    for i, node in enumerate(topics):
        t = node.get("title") if isinstance(node, dict) else None
        if isinstance(t, str):
            if t.lower() in root_titles:
                rep.error("topics", f"duplicate root title {t!r}")
            root_titles.add(t.lower())
        check_node(rep, node, 1, f"topics[{i}]", stats)

    rm = data.get("roadmap") if isinstance(data.get("roadmap"), dict) else {}
    if rm.get("hasTopics") is True and not topics:
        rep.error("topics", "hasTopics is true but there are no topics")
    if rm.get("hasTopics") is False and topics:
        rep.error("topics", "hasTopics is false but topics are present")

    profile = profile_for(slug)
    if stats.roots < profile["min_root_topics"]:
        rep.error("topics", f"{stats.roots} root topics, "
                            f"expected at least {profile['min_root_topics']}")
    if stats.subtopics < profile["min_subtopics"]:
        rep.error("topics", f"{stats.subtopics} subtopics, "
                            f"expected at least {profile['min_subtopics']}")
    if stats.legends < profile["min_legends"]:
        rep.error("topics", f"{stats.legends} nodes carry a legend, "
                            f"expected at least {profile['min_legends']}")
    present = {t.lower() for t in stats.titles}
    for required in profile["required_titles"]:
        if required.lower() not in present:
            rep.error("topics", f"required topic {required!r} is missing")
    return rep, stats


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    paths = argv[1:] or [os.path.join(here, "roadmaps", "backend.json")]
    failed = False
    for path in paths:
        rep, stats = check_file(path)
        print(f"== {path}")
        if stats is not None:
            print(f"root topics:      {stats.roots}")
            print(f"subtopics total:  {stats.subtopics}")
            print(f"leaves:           {stats.leaves}")
            print(f"resources:        {stats.resources}")
            print(f"max depth:        {stats.max_depth}")
            print(f"nodes w/ legend:  {stats.legends}")
        for w in rep.warnings:
            print(f"WARNING {w}")
        for e in rep.errors:
            print(f"ERROR   {e}")
        if rep.errors:
            failed = True
            print(f"FAILED with {len(rep.errors)} error(s)")
        else:
            print("OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
