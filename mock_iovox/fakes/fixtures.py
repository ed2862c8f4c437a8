"""YAML fixtures: validate, load into an environment's database, prepare and reset.

A fixture is loaded once into an empty database (starting the server again keeps the data);
`reset` drops everything and loads it again. Loading is deterministic: the same fixture and seed
give the same rows (timestamps come from the fixture's `epoch`, generated data from Faker seeded
per environment).
"""

from __future__ import annotations

import hashlib
import importlib
import ipaddress
import pkgutil
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from mock_iovox.auth import hash_key, is_hashed
from mock_iovox.catalog.categories import BUILT_IN_CONFIGURATIONS
from mock_iovox.db import (
    Account,
    ApiUser,
    Category,
    Contact,
    IpRange,
    Link,
    MockMeta,
    Node,
    link_categories,
    node_categories,
)
from mock_iovox.db.engine import Database
from mock_iovox.settings import Settings

#: Loopback and the private ranges, so local clients and Docker port-mapping work (DECISIONS.md §3).
DEFAULT_ALLOWED = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)
META_FIXTURE = "fixture"
META_FIXTURE_SHA = "fixture_sha256"
META_SEED = "seed"
DEFAULT_EPOCH = datetime(2026, 1, 5, 9, 0, 0)


#: Extra fixture sections, registered by the modules that own them (numbering, calls …):
#: name -> fn(loader, account, section_data, place). Run after the built-in sections, in order.
AccountSection = Callable[["Loader", Account, Any, str], None]
ACCOUNT_SECTIONS: dict[str, AccountSection] = {}
#: Environment-wide sections (e.g. the purchasable number stock): name -> fn(loader, data, place).
EnvSection = Callable[["Loader", Any, str], None]
ENV_SECTIONS: dict[str, EnvSection] = {}


def account_section(name: str) -> Callable[[AccountSection], AccountSection]:
    def register(fn: AccountSection) -> AccountSection:
        ACCOUNT_SECTIONS[name] = fn
        return fn

    return register


def env_section(name: str) -> Callable[[EnvSection], EnvSection]:
    def register(fn: EnvSection) -> EnvSection:
        ENV_SECTIONS[name] = fn
        return fn

    return register


class FixtureError(ValueError):
    """A fixture that cannot be loaded; the message names the place."""


@dataclass(frozen=True, slots=True)
class Fixture:
    path: Path
    sha256: str
    seed: int
    epoch: datetime
    environments: Mapping[str, Mapping[str, Any]]


#: fixtures already parsed, by (path, sha256 of the bytes): a start reads its fixture three times
#: (the load, and the banner's keys of each environment); a changed file is parsed again
_PARSED: dict[tuple[Path, str], Fixture] = {}


def read_fixture(path: Path) -> Fixture:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"cannot read fixture {path}: {exc.strerror}") from exc
    key = (path, hashlib.sha256(raw).hexdigest())
    if key not in _PARSED:
        _PARSED.clear()  # one fixture is in use at a time
        _PARSED[key] = _parse(path, raw, key[1])
    return _PARSED[key]


def _parse(path: Path, raw: bytes, sha256: str) -> Fixture:
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FixtureError(f"{path}: not valid YAML: {problem}{where}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("environments"), dict):
        raise FixtureError(f"{path}: expected a mapping with an 'environments' mapping")
    epoch = data.get("epoch", DEFAULT_EPOCH)
    if isinstance(epoch, str):
        epoch = datetime.fromisoformat(epoch)
    if not isinstance(epoch, datetime):
        raise FixtureError(f"{path}: 'epoch' must be a date-time such as 2026-01-05 09:00:00")
    seed = data.get("seed", 0)
    if not isinstance(seed, int):
        raise FixtureError(f"{path}: 'seed' must be an integer")
    check_keys(data, path)
    return Fixture(path, sha256, seed, epoch, data["environments"])


#: The keys each part of a fixture may hold (sections registered by other modules are added to the
#: environment and account sets). A key outside these is refused with its path: a typo such as
#: `nodez:` would otherwise load nothing, silently.
KEYS: dict[str, frozenset[str]] = {
    "top": frozenset({"seed", "epoch", "environments"}),
    "environment": frozenset({"accounts"}),
    "account": frozenset(
        {"name", "users", "category_configurations", "categories", "nodes", "contacts", "generate"}
    ),
    "user": frozenset({"username", "secure_key", "allowed_ips"}),
    "category_configuration": frozenset({"category_id", "label", "type", "colour"}),
    "category": frozenset({"category_id", "parent_category_id", "value"}),
    "node": frozenset({"node_id", "node_name", "node_type", "node_date", "categories", "links"}),
    "link": frozenset({"link_id", "link_name", "link_type", "link_date", "click_to_call", "categories"}),
    "generate": frozenset({"contacts"}),
}


def _contact_keys() -> frozenset[str]:
    return frozenset(Contact.__table__.columns.keys()) - {"pk", "account_pk", "created_at"}


def check_keys(data: Mapping[str, Any], path: Path) -> None:
    """Refuse unknown keys anywhere in the built-in parts, naming each by its path."""
    _import_sections()
    unknown: list[str] = []

    def visit(node: Any, kind: str | frozenset[str], place: str) -> None:
        if not isinstance(node, Mapping):
            return
        allowed = KEYS[kind] if isinstance(kind, str) else kind
        unknown.extend(f"{place}.{k}" if place else str(k) for k in node if k not in allowed)

    def each(items: Any, kind: str | frozenset[str], place: str) -> list[tuple[Any, str]]:
        out = []
        for i, item in enumerate(items if isinstance(items, list) else [], 1):
            visit(item, kind, f"{place}[{i}]")
            out.append((item, f"{place}[{i}]"))
        return out

    visit(data, "top", "")
    envs = data.get("environments") or {}
    unknown.extend(f"environments.{e}" for e in envs if e not in ("sandbox", "production"))
    for env, env_data in envs.items():
        if not isinstance(env_data, Mapping):
            continue
        visit(env_data, KEYS["environment"] | set(ENV_SECTIONS), f"environments.{env}")
        accounts = each(
            env_data.get("accounts"), KEYS["account"] | set(ACCOUNT_SECTIONS), f"environments.{env}.accounts"
        )
        for account, place in accounts:
            if not isinstance(account, Mapping):
                continue
            each(account.get("users"), "user", f"{place}.users")
            each(
                account.get("category_configurations"),
                "category_configuration",
                f"{place}.category_configurations",
            )
            each(account.get("categories"), "category", f"{place}.categories")
            each(account.get("contacts"), _contact_keys() | {"has_user"}, f"{place}.contacts")
            visit(account.get("generate"), "generate", f"{place}.generate")
            for node, nplace in each(account.get("nodes"), "node", f"{place}.nodes"):
                if isinstance(node, Mapping):
                    each(node.get("links"), "link", f"{nplace}.links")
    if unknown:
        raise FixtureError(f"{path}: unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")


def declared_users(path: Path, env: str) -> list[tuple[str, str]]:
    """(username, secure key) of every API user the fixture declares for `env`, in order: the
    databases keep only salted hashes of the keys, so the fixture is where a key can be read back."""
    data = read_fixture(path).environments.get(env) or {}
    found = []
    for account in data.get("accounts") or []:
        for user in (account or {}).get("users") or []:
            if isinstance(user, dict) and user.get("username") and user.get("secure_key"):
                found.append((str(user["username"]), str(user["secure_key"])))
    return found


def prepare(settings: Settings, databases: Mapping[str, Database]) -> list[str]:
    """Create the schema and load the fixture into every database that has not been loaded yet.

    Returns warnings: a database loaded from another fixture, or from this one before it was edited,
    keeps its data (`mock-iovox reset` loads the fixture again).
    """
    fixture = read_fixture(settings.fixture)
    warnings = []
    for db in databases.values():
        with db.setup() as session:  # one instance at a time: the others find it loaded
            loaded_from = session.scalar(select(MockMeta.value).where(MockMeta.key == META_FIXTURE))
            if loaded_from is None:
                load_into(session, db.env, fixture)
            elif (
                session.scalar(select(MockMeta.value).where(MockMeta.key == META_FIXTURE_SHA))
                != fixture.sha256
            ):
                what = "was edited since it was loaded" if loaded_from == str(fixture.path) else "differs"
                warnings.append(
                    f"{db.env}: the data was loaded from {loaded_from}, and {fixture.path} {what}; "
                    "the database keeps its data: "
                    f"run `mock-iovox reset --env {db.env}` to load {fixture.path}"
                )
            for user in session.scalars(select(ApiUser)):  # databases of earlier versions held keys
                if not is_hashed(user.secure_key):
                    user.secure_key = hash_key(user.secure_key)
    return warnings


def reset(db: Database, fixture: Fixture) -> None:
    """Drop all data and load the fixture again; the clock stays where it is."""
    from mock_iovox import clock

    with db.write_lock:  # every other writer waits for the whole reset (a held lock is reentrant)
        db.create_schema()
        with db.reading() as session:
            kept = clock.read(session)
        db.drop_schema()
        db.create_schema()
        with db.writing() as session:
            clock.write(session, kept)
        load(db, fixture)


def _import_sections() -> None:
    """Import every module of mock_iovox.fakes, so that their sections register themselves."""
    import mock_iovox.fakes as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "fixtures":
            importlib.import_module(f"{package.__name__}.{info.name}")


def load(db: Database, fixture: Fixture) -> None:
    with db.writing() as session:
        load_into(session, db.env, fixture)


def load_into(session: Session, env: str, fixture: Fixture) -> None:
    _import_sections()
    env_data = fixture.environments.get(env) or {}
    seed = fixture.seed ^ zlib.crc32(env.encode())
    loader = Loader(session, fixture.epoch, seed, f"{fixture.path.name}:{env}")
    for name, env_fn in ENV_SECTIONS.items():
        if env_data.get(name) is not None:
            env_fn(loader, env_data[name], name)
    for i, account in enumerate(env_data.get("accounts") or [], 1):
        loader.account(account, f"accounts[{i}]")
    session.add_all(
        [
            MockMeta(key=META_FIXTURE, value=str(fixture.path)),
            MockMeta(key=META_FIXTURE_SHA, value=fixture.sha256),
            MockMeta(key=META_SEED, value=str(seed)),
        ]
    )


_FAKERS = threading.local()


def _faker() -> Any:
    """This thread's Faker: one per thread, since making one costs ~15 ms and a start loads two
    environments; imported by the first load only, so a restart does not pay for the import."""
    faker = getattr(_FAKERS, "faker", None)
    if faker is None:
        from faker import Faker

        faker = _FAKERS.faker = Faker("en_GB")
    return faker


class Loader:
    """Loads one environment; section functions use its session, clock (`stamp`) and Faker."""

    def __init__(self, session: Session, epoch: datetime, seed: int, where: str) -> None:
        self.session = session
        self.epoch = epoch
        self.tick = 0
        self.where = where
        self.faker = _faker()
        self.faker.seed_instance(seed)  # as a new instance seeded so: the same values

    def stamp(self) -> datetime:
        # strictly increasing creation times: "creation order" is then well defined
        self.tick += 1
        return self.epoch + timedelta(minutes=self.tick)

    def need(self, data: Mapping[str, Any], key: str, place: str) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            raise FixtureError(f"{self.where}: {place}: '{key}' is required")
        return str(value)

    def account(self, data: Mapping[str, Any], place: str) -> None:
        account = Account(name=self.need(data, "name", place))
        self.session.add(account)
        self.session.flush()
        for i, user in enumerate(data.get("users") or [], 1):
            self.user(account, user, f"{place}.users[{i}]")
        categories: dict[str, Category] = {}
        for i, conf in enumerate(data.get("category_configurations") or [], 1):
            self.configuration(account, conf, categories, f"{place}.category_configurations[{i}]")
        self.built_in_configurations(account, categories)
        for i, cat in enumerate(data.get("categories") or [], 1):
            self.category(account, cat, categories, f"{place}.categories[{i}]")
        for i, node in enumerate(data.get("nodes") or [], 1):
            self.node(account, node, categories, f"{place}.nodes[{i}]")
        for i, contact in enumerate(data.get("contacts") or [], 1):
            self.contact(account, contact, f"{place}.contacts[{i}]")
        generate = data.get("generate") or {}
        for i in range(int(generate.get("contacts", 0))):
            self.contact(account, self.fake_contact(i + 1), f"{place}.generate.contacts")
        for name, fn in ACCOUNT_SECTIONS.items():
            if data.get(name) is not None:
                fn(self, account, data[name], f"{place}.{name}")

    def user(self, account: Account, data: Mapping[str, Any], place: str) -> None:
        user = ApiUser(
            account_pk=account.pk,
            username=self.need(data, "username", place),
            # the fixture declares keys in clear (it is a mock); the database holds salted hashes
            secure_key=hash_key(self.need(data, "secure_key", place)),
        )
        cidrs = data.get("allowed_ips") or list(DEFAULT_ALLOWED)
        for cidr in cidrs:
            try:
                net = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError as exc:
                raise FixtureError(f"{self.where}: {place}: bad IP range {cidr!r}") from exc
            user.ip_ranges.append(IpRange(cidr=str(net)))
        self.session.add(user)

    def configuration(
        self, account: Account, data: Mapping[str, Any], known: dict[str, Category], place: str
    ) -> None:
        cat = Category(
            account_pk=account.pk,
            category_id=self.need(data, "category_id", place),
            label=self.need(data, "label", place),
            type=str(data.get("type", "Tree")),
            colour=str(data.get("colour", "")),
            created_at=self.stamp(),
        )
        self.session.add(cat)
        self.session.flush()
        cat.root_pk = cat.pk
        known[cat.category_id] = cat

    def built_in_configurations(self, account: Account, known: dict[str, Category]) -> None:
        """The date configurations every vendor account has, unless the fixture defines the label;
        created at the account's creation (the epoch), so other stamps do not move."""
        labels = {c.label for c in known.values() if c.parent_pk is None}
        for label, kind in BUILT_IN_CONFIGURATIONS:
            if label in labels or label in known:
                continue
            cat = Category(
                account_pk=account.pk, category_id=label, label=label, type=kind, created_at=self.epoch
            )
            self.session.add(cat)
            self.session.flush()
            cat.root_pk = cat.pk
            known[cat.category_id] = cat

    def category(
        self, account: Account, data: Mapping[str, Any], known: dict[str, Category], place: str
    ) -> None:
        parent_id = self.need(data, "parent_category_id", place)
        parent = known.get(parent_id)
        if parent is None:
            raise FixtureError(f"{self.where}: {place}: parent category {parent_id!r} is not defined above")
        root = next(c for c in known.values() if c.pk == parent.root_pk)
        cat = Category(
            account_pk=account.pk,
            category_id=self.need(data, "category_id", place),
            parent_pk=parent.pk,
            root_pk=parent.root_pk,
            label=root.label,
            value=self.need(data, "value", place),
            created_at=self.stamp(),
        )
        self.session.add(cat)
        self.session.flush()
        known[cat.category_id] = cat

    def _categories(self, ids: Any, known: dict[str, Category], place: str) -> list[int]:
        out = []
        for cid in ids or []:
            cat = known.get(str(cid))
            if cat is None:
                raise FixtureError(f"{self.where}: {place}: unknown category {cid!r}")
            out.append(cat.pk)
        return out

    def node(self, account: Account, data: Mapping[str, Any], known: dict[str, Category], place: str) -> None:
        stamp = self.stamp()
        node = Node(
            account_pk=account.pk,
            node_id=self.need(data, "node_id", place),
            node_name=self.need(data, "node_name", place),
            node_type=self.need(data, "node_type", place),
            node_date=data.get("node_date") or stamp,
            created_at=stamp,
        )
        self.session.add(node)
        self.session.flush()
        for cat_pk in self._categories(data.get("categories"), known, place):
            self.session.execute(node_categories.insert().values(node_pk=node.pk, category_pk=cat_pk))
        for i, link_data in enumerate(data.get("links") or [], 1):
            lplace = f"{place}.links[{i}]"
            lstamp = self.stamp()
            link = Link(
                account_pk=account.pk,
                node_pk=node.pk,
                link_id=self.need(link_data, "link_id", lplace),
                link_name=self.need(link_data, "link_name", lplace),
                link_type=self.need(link_data, "link_type", lplace),
                link_date=link_data.get("link_date") or lstamp,
                click_to_call=bool(link_data.get("click_to_call", True)),
                created_at=lstamp,
            )
            self.session.add(link)
            self.session.flush()
            for cat_pk in self._categories(link_data.get("categories"), known, lplace):
                self.session.execute(link_categories.insert().values(link_pk=link.pk, category_pk=cat_pk))

    def contact(self, account: Account, data: Mapping[str, Any], place: str) -> None:
        fields = {k: str(v) for k, v in data.items() if k in Contact.__table__.columns and v is not None}
        fields["contact_id"] = self.need(data, "contact_id", place)
        if not fields.get("display_name"):
            name = f"{fields.get('first_name', '')} {fields.get('last_name', '')}".strip()
            fields["display_name"] = name or fields.get("company", "") or fields["contact_id"]
        fields.pop("pk", None)
        fields.pop("account_pk", None)
        fields.pop("created_at", None)
        fields.pop("has_user", None)
        exists = self.session.scalar(
            select(Contact.pk).where(
                Contact.account_pk == account.pk, Contact.contact_id == fields["contact_id"]
            )
        )
        if exists is not None:
            raise FixtureError(f"{self.where}: {place}: duplicate contact_id {fields['contact_id']!r}")
        self.session.add(
            Contact(
                account_pk=account.pk,
                has_user=bool(data.get("has_user", False)),
                created_at=self.stamp(),
                **fields,
            )
        )

    def fake_contact(self, n: int) -> dict[str, Any]:
        f = self.faker
        first, last = f.first_name(), f.last_name()
        # Ofcom drama range 07700 900000-900999: never a real subscriber (DECISIONS.md §5)
        mobile = f"447700900{f.random_int(0, 999):03d}"
        return {
            "contact_id": f"C{n:04d}",
            "first_name": first,
            "last_name": last,
            "company": f.company(),
            "email": f"{first}.{last}@example.com".lower(),
            "mobile_phone": mobile,
            "business_phone": mobile,
            "work_city": f.city(),
            "work_country": "UNITED KINGDOM",
            "work_postcode": f.postcode(),
        }
