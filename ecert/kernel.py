"""What every feature gets from the app: settings, database, blob store, clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from ecert.clock import Clock, utc_now
from ecert.db import Database
from ecert.settings import Settings
from ecert.storage import BlobStore


@dataclass(frozen=True)
class Kernel:
    settings: Settings
    db: Database
    store: BlobStore
    clock: Clock = field(default=utc_now)


def kernel(app: Flask | None = None) -> Kernel:
    found: Kernel = (app or current_app).extensions["ecert"]
    return found
