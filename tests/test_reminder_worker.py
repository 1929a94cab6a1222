"""Reminders are never lost and never sent twice, shown with real processes and real faults.

Each test runs real `celery worker` (prefork) and `celery beat` processes on a real Redis broker
and the test database, with no eager mode and no mocks. E-mail goes to tests.mailsink.SinkBackend,
which waits MAIL_SINK_DELAY_MS per message (a slow mail server) and then writes one JSON line per
message. A test then checks the two sides: the sink holds every delivery's Message-ID exactly
once, and every Delivery row has sent_at.

Faults: a worker SIGKILLed in the middle of a batch, two schedulers firing at once, and the Redis
server killed and restarted during a run. Each test uses its own queue name, so it can share a
Redis with other test runs; its processes run in their own process group and are SIGKILLed at
teardown, where their logs are printed (pytest shows them when a test fails).

Select with `pytest -m worker`. The tests fail, never skip, when Redis is missing.
"""

import base64
import collections
import contextlib
import datetime as dt
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from magicmix.celery import app as celery_app
from magicmix.models import Delivery, Reminder, ReminderKind, ReminderRun, RunTrigger
from magicmix.reminders import due_between, reminders_run
from magicmix.tasks import enqueue_deliveries
from projects.models import Role
from residents.dates import add_months

from .factories import (
    ContractFactory,
    CorporationFactory,
    MembershipFactory,
    ProjectFactory,
    UnitFactory,
)

# serialized_rollback: the seeded contract types survive the flush of a transactional test.
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")
MESSAGE_ID = re.compile(r"<reminder-delivery-(\d+)@")
CONCURRENCY = 4
STARTUP_TIMEOUT = 30  # seconds for a worker or beat to start (generous: CI machines are slow)
BATCH_TIMEOUT = 45  # seconds for a batch to go out


# Processes


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (a worker and its pool children), then reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


def wait_for(condition, what: str, timeout: float, procs=(), interval: float = 0.05):
    """Poll `condition` until it returns something truthy; fail on timeout or a dead process."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for proc in procs:
            assert proc.alive(), f"{proc.name} exited ({proc.popen.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)


def worker_database_url() -> str:
    """The test database as a URL, for the subprocesses (they must see what the test commits)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"


class Harness:
    """One test's queue, mail sink and processes."""

    def __init__(self, tmp_path: Path, redis_url: str):
        self.tag = uuid.uuid4().hex[:12]
        self.queue = f"magicmix-test-{self.tag}"
        self.tmp = tmp_path
        self.sink = tmp_path / "sink.jsonl"
        self.redis_url = redis_url
        self.procs: list[Proc] = []

    def env(self, **extra) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="magicmix.settings",
            PYTHONPATH=str(ROOT),
            DATABASE_URL=worker_database_url(),
            DB_CONN_MAX_AGE="0",
            REDIS_URL=self.redis_url,
            CELERY_QUEUE=self.queue,
            EMAIL_BACKEND="tests.mailsink.SinkBackend",
            MAIL_SINK_PATH=str(self.sink),
            MAIL_SINK_DELAY_MS="0",
        )
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def start(self, name: str, args: list[str], **env) -> Proc:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603 - our own celery, fixed arguments
                args,
                cwd=ROOT,
                env=self.env(**env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def start_worker(self, name: str, *, concurrency: int = CONCURRENCY, **env) -> Proc:
        """A worker on this test's queue; when ready it queues a catch-up run (celery.py)."""
        args = [str(CELERY), "-A", "magicmix", "worker", "-Q", self.queue]
        args += ["-n", f"{name}-{self.tag}@%h", "--pool=prefork", f"--concurrency={concurrency}"]
        args += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"]
        return self.start(name, args, **env)

    def start_beat(self, name: str, **env) -> Proc:
        schedule = self.tmp / f"{name}-schedule"
        args = [str(CELERY), "-A", "magicmix", "beat", "-s", str(schedule), "-l", "info"]
        return self.start(name, args + ["--max-interval", "1"], **env)

    def sent(self) -> list[dict]:
        """The sink's lines so far (a line still being written, without its newline, is left)."""
        if not self.sink.exists():
            return []
        return [json.loads(line) for line in self.sink.read_text().split("\n")[:-1]]

    def wait_all_sent(self, total: int, procs) -> None:
        """Until every delivery row is e-mailed, and the sink has at least as many lines."""
        wait_for(
            lambda: (
                Delivery.objects.filter(sent_at__isnull=False).count() == total
                and len(self.sent()) >= total
            ),
            f"all {total} deliveries e-mailed",
            BATCH_TIMEOUT,
            procs,
            interval=0.1,
        )

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            # The log without the one line per task received, which says little and is long.
            lines = [line for line in proc.text().splitlines() if "] received" not in line]
            log = "\n".join(lines[-300:])
            print(f"\n===== {proc.name} (exit {proc.popen.returncode}) =====\n{log}")


def forget_queue(client: redis.Redis, tag: str) -> None:
    """Remove what a test left in a shared Redis: its queue, bindings and unacked messages."""
    for key in client.scan_iter(f"*{tag}*"):
        client.delete(key)
    for key in client.scan_iter("_kombu.binding.*"):
        for member in client.smembers(key):
            if tag.encode() in member:
                client.srem(key, member)
    for delivery_tag, raw in client.hgetall("unacked").items():
        if tag.encode() in raw:
            client.hdel("unacked", delivery_tag)
            client.zrem("unacked_index", delivery_tag)


def unacked(client: redis.Redis, queue: str) -> dict[bytes, dict]:
    """Messages on `queue` that a worker took and has not acknowledged (kombu's Redis layout)."""
    messages = {}
    for delivery_tag, raw in client.hgetall("unacked").items():
        message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            messages[delivery_tag] = message
    return messages


def delivery_ids(messages) -> list[int]:
    """The delivery ids of the deliver_reminder tasks among `messages`."""
    return [
        json.loads(base64.b64decode(m["body"]))[0][0]
        for m in messages
        if m["headers"]["task"] == "magicmix.tasks.deliver_reminder"
    ]


def requeue(redis_url: str, messages: dict[bytes, dict]) -> None:
    """Put unacknowledged messages (of a dead worker) back on their queue.

    Kombu does the same (QoS.restore_visible) once the visibility timeout has passed; here it
    happens at once, so a test can show that such a late copy of a task sends nothing twice.
    """
    with celery_app.connection_for_write(redis_url) as conn:
        for delivery_tag in messages:
            conn.default_channel.qos.restore_by_tag(delivery_tag.decode())


def drained(client: redis.Redis, queue: str) -> bool:
    """Every task on `queue` was taken and acknowledged (so, with late acks, has run)."""
    return client.llen(queue) == 0 and not unacked(client, queue)


@pytest.fixture
def redis_url():
    """The shared Redis of the test settings; fail (never skip) when it is not there."""
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: the worker tests need a real Redis broker")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
    return settings.REDIS_URL


@pytest.fixture
def harness(tmp_path, redis_url):
    h = Harness(tmp_path, redis_url)
    yield h
    h.close()  # before pytest-django flushes the database: no worker may hold a lock then
    with contextlib.suppress(redis.RedisError):
        forget_queue(redis.Redis.from_url(redis_url), h.tag)


# Data


def make_due_batch(contracts: int, staff: int) -> int:
    """Omklap contracts whose check-in falls due about today, in a project with `staff` staff.

    Nothing is created yet: the first reminder run makes one reminder per contract and one
    delivery per (reminder, staff member). Returns how many deliveries that will be.
    """
    today = timezone.localdate()
    corporation = CorporationFactory()
    for _ in range(staff):
        MembershipFactory(organisation=corporation, role=Role.STAFF)
    project = ProjectFactory(corporation=corporation)
    # The check-in falls due `checkin_every_months` after the start (clamped at a month's end,
    # so it may be a few days ago: still inside the run's lookback).
    start = add_months(today, -project.checkin_every_months)
    for _ in range(contracts):
        ContractFactory(
            contract_type_code="omklap", unit=UnitFactory(project=project), start_date=start
        )
    since = today - dt.timedelta(days=settings.REMINDER_LOOKBACK_DAYS)
    dues = due_between(since, today)
    assert len(dues) == contracts
    assert {due.kind for due in dues} == {ReminderKind.CHECKIN_DUE}
    assert not Reminder.objects.exists()
    return contracts * staff


def assert_each_sent_once(sent: list[dict], total: int) -> None:
    """The sink holds every delivery exactly once, to its recipient, and the DB agrees."""
    deliveries = {d.pk: d for d in Delivery.objects.select_related("recipient")}
    assert len(deliveries) == total
    counts = collections.Counter(int(MESSAGE_ID.match(line["message_id"])[1]) for line in sent)
    twice = {pk: n for pk, n in counts.items() if n > 1}
    assert not twice, f"e-mailed more than once (delivery id: times): {twice}"
    assert set(counts) == set(deliveries), (
        f"never e-mailed: {sorted(set(deliveries) - set(counts))}, "
        f"unknown: {sorted(set(counts) - set(deliveries))}"
    )
    for line in sent:
        delivery = deliveries[int(MESSAGE_ID.match(line["message_id"])[1])]
        assert line["to"] == [delivery.recipient.email]
    assert not [pk for pk, d in deliveries.items() if d.sent_at is None or d.cancelled_at]


# The tests


def kill_between_messages(harness: Harness, worker: Proc, *, after: int, delay: float) -> int:
    """SIGKILL `worker` once `after` e-mails went out, at a moment every pool process is waiting
    on the (slow) mail server with a message in flight; returns how many e-mails went out.

    The kill must not land in the short stretch between the mail server's acceptance of a message
    and the commit of its sent_at: a repeat is possible there by design (delivery_send's
    docstring; the Message-ID is then the same). So the moment chosen is one where every accepted
    message has its sent_at committed, and no process can have its next message accepted within
    `margin`: each sink line tells which process it came from and when, and a message takes at
    least `delay`.
    """
    margin = 0.05

    def moment() -> bool:
        sent = harness.sent()
        last: dict[int, float] = {}
        for line in sent:
            last[line["pid"]] = max(last.get(line["pid"], 0), line["at"])
        if len(sent) < after or len(last) < CONCURRENCY:
            return False
        committed = Delivery.objects.filter(sent_at__isnull=False).count()
        now = time.time()
        return committed == len(sent) and all(now - at <= delay - margin for at in last.values())

    wait_for(moment, "a moment to kill the worker mid-send", BATCH_TIMEOUT, [worker], 0.005)
    worker.kill()
    return len(harness.sent())


def test_worker_killed_mid_batch_resends_nothing_and_loses_nothing(harness):
    """SIGKILL a worker in the middle of a batch; a new worker finishes it, each e-mail once.

    The killed worker had a message in flight in each pool process (not yet accepted by the mail
    server, so its row lock rolled back) and their tasks unacknowledged in Redis. The new worker's
    start-up catch-up queues every unsent delivery again. Later the dead worker's unacknowledged
    tasks come back too (as after the visibility timeout): they send nothing a second time.
    """
    total = make_due_batch(contracts=20, staff=2)
    delay = 0.4
    broker = redis.Redis.from_url(harness.redis_url)
    first = harness.start_worker("worker1", MAIL_SINK_DELAY_MS=int(delay * 1000))
    sent_before_kill = kill_between_messages(harness, first, after=3 * CONCURRENCY, delay=delay)

    assert Delivery.objects.count() == total
    assert Delivery.objects.filter(sent_at__isnull=False).count() == sent_before_kill, (
        "the sink and sent_at disagree after the kill: it landed between a message's acceptance "
        "and the commit of its sent_at"
    )
    assert sent_before_kill < total, "the batch finished before the kill"
    left_unacked = unacked(broker, harness.queue)
    in_flight = delivery_ids(left_unacked.values())
    print(f"killed after {sent_before_kill} of {total} e-mails; unacknowledged: {in_flight}")
    assert Delivery.objects.filter(pk__in=in_flight, sent_at__isnull=True).exists(), (
        "the kill interrupted no e-mail"
    )

    second = harness.start_worker("worker2", MAIL_SINK_DELAY_MS=int(delay * 1000))
    harness.wait_all_sent(total, [second])
    assert_each_sent_once(harness.sent(), total)

    # The dead worker's tasks come back after all (their visibility timeout passed).
    assert set(unacked(broker, harness.queue)) >= set(left_unacked)
    requeue(harness.redis_url, left_unacked)
    wait_for(
        lambda: drained(broker, harness.queue), "the late copies to run", BATCH_TIMEOUT, [second]
    )
    assert_each_sent_once(harness.sent(), total)


def test_two_schedulers_at_once_send_each_reminder_once(harness):
    """Two `celery beat` processes (catch-up every second) queue runs; a 4-process worker then
    runs several at the same moment. One reminder and one e-mail per delivery, and no run fails.
    """
    contracts = 20
    total = make_due_batch(contracts, staff=2)
    beats = [harness.start_beat(name, REMINDER_CATCHUP_SECONDS=1) for name in ("beat1", "beat2")]
    # Both beats have queued runs before a worker exists, so the worker starts several at once.
    for beat in beats:
        wait_for(
            lambda beat=beat: "Sending due task reminders-catch-up" in beat.text(),
            f"{beat.name} to queue a run",
            STARTUP_TIMEOUT,
            beats,
        )
    worker = harness.start_worker("worker", MAIL_SINK_DELAY_MS=20)
    wait_for(
        lambda: ReminderRun.objects.filter(finished_at__isnull=False).count() >= 5,
        "five finished runs",
        BATCH_TIMEOUT,
        [worker, *beats],
    )
    for beat in beats:
        beat.kill()
    harness.wait_all_sent(total, [worker])
    worker.kill()

    assert_each_sent_once(harness.sent(), total)
    assert Reminder.objects.count() == contracts
    runs = list(ReminderRun.objects.order_by("started_at"))
    failed = [run for run in runs if run.finished_at is None]
    assert not failed, f"{len(failed)} of {len(runs)} runs failed: see the worker log"
    assert any(
        later.started_at < earlier.finished_at for earlier, later in itertools.pairwise(runs)
    ), "precondition: no two runs overlapped, so nothing ran at once"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_restarted_mid_batch_loses_nothing(harness):
    """Kill our own Redis (no persistence) mid-batch and start it again: the queued tasks are
    gone, yet the beat's next catch-up queues what is unsent and each e-mail goes out once.

    Celery 5.7 / kombu 5.7 sometimes crash the worker when the broker connection drops
    ("Unrecoverable error: AttributeError: 'NoneType' object has no attribute 'hostname'", from
    kombu's restore_unacked on channel close). In production the service manager restarts it
    (systemd Restart=always); the test does the same, and the restarted worker's catch-up then
    finishes the batch.
    """
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    assert Path(server).exists(), "redis-server is needed for this test"
    port = free_port()
    harness.redis_url = f"redis://127.0.0.1:{port}/0"
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--daemonize", "no"]
    client = redis.Redis(port=port, socket_connect_timeout=1)

    def start_redis(name: str) -> Proc:
        proc = harness.start(name, args)
        wait_for(lambda: _pings(client), f"{name} to answer", STARTUP_TIMEOUT, [proc])
        return proc

    first_redis = start_redis("redis1")
    total = make_due_batch(contracts=20, staff=2)
    workers = [harness.start_worker("worker", MAIL_SINK_DELAY_MS=100)]
    beat = harness.start_beat("beat", REMINDER_CATCHUP_SECONDS=2)
    wait_for(
        lambda: len(harness.sent()) >= 3 * CONCURRENCY, "a few e-mails", BATCH_TIMEOUT, workers
    )

    first_redis.kill()
    assert Delivery.objects.filter(sent_at__isnull=True).exists(), "the batch finished first"
    restarted = timezone.now()
    start_redis("redis2")

    def all_sent() -> bool:
        if not workers[-1].alive():  # restart a crashed worker, as a service manager would
            assert len(workers) < 3, "the worker keeps crashing"
            print(f"{workers[-1].name} exited ({workers[-1].popen.returncode}): restarting it")
            workers.append(
                harness.start_worker(f"worker{len(workers) + 1}", MAIL_SINK_DELAY_MS=100)
            )
        return Delivery.objects.filter(sent_at__isnull=False).count() == total

    # The batch cannot finish without the tasks queued again (in-flight ones do finish).
    wait_for(all_sent, f"all {total} deliveries e-mailed", BATCH_TIMEOUT, [beat], interval=0.1)
    assert_each_sent_once(harness.sent(), total)
    # The scheduler kept going through the restart too.
    wait_for(
        lambda: ReminderRun.objects.filter(started_at__gt=restarted, finished_at__isnull=False),
        "a catch-up run after the restart",
        BATCH_TIMEOUT,
        [beat],
    )


def _pings(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@contextlib.contextmanager
def default_queue(name: str):
    """Send this process's tasks to `name` (the test's queue) instead of the default."""
    old = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    try:
        yield
    finally:
        celery_app.conf.task_default_queue = old


def run_in_transaction(broker: redis.Redis, queue: str, *, commit: bool) -> tuple[int, int]:
    """A run inside a transaction that commits or rolls back; returns how many deliveries it
    handed to dispatch, and how many tasks were on the broker just before the transaction ended.
    """
    with transaction.atomic():
        run = reminders_run(
            today=timezone.localdate(), trigger=RunTrigger.MANUAL, dispatch=enqueue_deliveries
        )
        on_broker = broker.llen(queue)
        transaction.set_rollback(not commit)
    return run.deliveries_queued, on_broker


def test_deliveries_are_queued_only_after_commit(harness):
    """A run queues its delivery tasks when its transaction commits, and none if it rolls back:
    a worker never gets an id whose row it cannot see yet, nor one that never existed."""
    total = make_due_batch(contracts=5, staff=2)
    broker = redis.Redis.from_url(harness.redis_url)
    with default_queue(harness.queue):
        assert run_in_transaction(broker, harness.queue, commit=False) == (total, 0)
        assert broker.llen(harness.queue) == 0
        assert not Reminder.objects.exists()
        assert not Delivery.objects.exists()

        assert run_in_transaction(broker, harness.queue, commit=True) == (total, 0)
        queued = [json.loads(raw) for raw in broker.lrange(harness.queue, 0, -1)]
    assert sorted(delivery_ids(queued)) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert len(queued) == total
