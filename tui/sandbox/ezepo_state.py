"""State of the sandbox's Ezepo instance: lists, affiliates, fetch jobs and their settings."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from tui.sandbox import credentials as cr
from tui.sandbox.data import md5_hex


@dataclass
class EzepoList:
    listid: str
    name: str
    active: str
    format: str
    count: int
    last_upload: str
    notes: str
    queued: bool = False


@dataclass
class EzepoJob:
    jobid: str
    listid: str
    format: str
    ready_at: float


HOSTILE_LIST_ID = "4"  # its name and notes test that server text is shown inert


class EzepoState:
    """Lists, affiliates and fetch jobs of the sandbox's Ezepo instance."""

    def __init__(self, seed: int, job_seconds: float, status_word: str, list_size: int | None):
        self.job_seconds = job_seconds
        self.status_word = status_word
        self.list_size = list_size
        self._lock = threading.Lock()
        self._jobs: dict[str, EzepoJob] = {}
        self._seed = seed
        self.affiliates = {
            cr.DEMO_AFFILIATE_ID: ("Manual", "Demo Affiliate", cr.EZEPO_AFFILIATE_KEY),
            "102": ("Cake", "Cake Partner Network", md5_hex(f"affiliate-102-{seed}")),
            "103": ("Everflow", "Everflow Media", md5_hex(f"affiliate-103-{seed}")),
        }
        self.lists = {
            item.listid: item
            for item in (
                EzepoList(
                    "1",
                    "Acme Drinks suppression",
                    "Y",
                    "txt",
                    1000,
                    "03/14/2026",
                    "Plain text notes.",
                ),
                EzepoList(
                    "2",
                    "Blue Harbor hashed",
                    "Y",
                    "md5",
                    2000,
                    "11/02/2025",
                    "Hashed with md5, lower case.",
                ),
                EzepoList("3", "Old Cumbre list", "N", "txt", 250, "00/00/0000", ""),
                EzepoList(
                    HOSTILE_LIST_ID,
                    "[bold]Hostile[/] =SUM(A1)",
                    "Y",
                    "txt",
                    40,
                    "01/01/2026",
                    "\x1b]52;c;cHduZWQ=\x07 \u202eevil\u202c [@click=app.quit]x[/]",
                ),
            )
        }

    def key_role(self, key: str | None) -> tuple[int, str | None] | None:
        """(1, None) for the admin key, (2, affid) for an affiliate key, None otherwise."""
        if key == cr.EZEPO_ADMIN_KEY:
            return 1, None
        for affid, (_, _, affiliate_key) in self.affiliates.items():
            if key == affiliate_key:
                return 2, affid
        return None

    def add_list(self, listid: str, name: str, list_type: str | None, fmt: str | None) -> None:
        complete = list_type in ("1", "2") and fmt in ("txt", "md5")
        with self._lock:
            self.lists[listid] = EzepoList(
                listid,
                name,
                "Y" if complete else "N",
                fmt if fmt in ("txt", "md5") else "txt",
                0,
                "00/00/0000",
                "",
                queued=not complete,
            )

    def create_job(self, listid: str, fmt: str) -> EzepoJob:
        with self._lock:
            jobid = md5_hex(f"job-{self._seed}-{len(self._jobs)}-{listid}-{fmt}")[:16].upper()
            job = self._jobs[jobid] = EzepoJob(
                jobid, listid, fmt, time.monotonic() + self.job_seconds
            )
            return job

    def job(self, jobid: str | None) -> EzepoJob | None:
        with self._lock:
            return self._jobs.get(jobid or "")

    def job_status(self, job: EzepoJob) -> str:
        return "working" if time.monotonic() < job.ready_at else self.status_word

    def lines_of(self, job: EzepoJob) -> int:
        return self.list_size if self.list_size is not None else self.lists[job.listid].count

    def configure(
        self, job_seconds: float | None, status_word: str | None, list_size: int | None
    ) -> None:
        with self._lock:
            if job_seconds is not None:
                self.job_seconds = job_seconds
            if status_word is not None:
                self.status_word = status_word
            if list_size is not None:
                self.list_size = list_size or None
