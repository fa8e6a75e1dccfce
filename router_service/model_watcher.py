"""Hot reload: every proxy routes with the active model version within seconds.

Each process polls the database every `HR_MODEL_POLL_S` seconds (5 by
default) for the active `classifier_version`. When it changes, the process
loads that artifact (checked against its SHA-256 like the shipped one) and
swaps the routing hook's router; without an active version it routes with
the model file of `HR_MODEL_PATH`. Polling needs nothing but the database, so
it works the same on Postgres and SQLite, for workers and instances alike. A
version that fails to load is logged once and the current model kept (it is not
fetched again until another version is activated).
"""

import asyncio
import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from classifier.model import ArtifactError, LogisticScorer
from router_service.core.config import Settings
from router_service.db.engine import Database
from router_service.db.models import ClassifierVersion
from router_service.routing_hook import RoutingHook

LOGGER = logging.getLogger(__name__)


class ModelWatcher:
    def __init__(self, database: Database, hook: RoutingHook, settings: Settings) -> None:
        self.database = database
        self.hook = hook
        self.settings = settings
        self.file_router = hook.router  # the shipped model (or the soft score)
        self.current: tuple[str, str] | None = None  # (version, sha256) routed with now
        # A version that failed to load: not fetched and parsed again every poll.
        self.refused: tuple[str, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def serving(self) -> dict[str, Any]:
        """The model this process routes with now, and where it came from."""
        scorer = self.hook.router.scorer
        return {
            "version": scorer.version,
            "source": "file" if self.current is None else "database",
            "artifact_sha256": getattr(scorer, "artifact_sha256", None),
        }

    async def start(self) -> None:
        """Load the active version now, then keep watching in the background."""
        await self.check()
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="model-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def check(self) -> None:
        try:
            async with self.database.session() as session:
                query = select(ClassifierVersion.version, ClassifierVersion.artifact_sha256).where(
                    col(ClassifierVersion.active).is_(True)
                )
                active = (await session.exec(query)).first()
                wanted = None if active is None else (active[0], active[1])
                if wanted == self.current or (wanted is not None and wanted == self.refused):
                    return
                artifact = None
                if wanted is not None:
                    text = select(ClassifierVersion.artifact).where(
                        ClassifierVersion.version == wanted[0]
                    )
                    artifact = (await session.exec(text)).first()
        except (OSError, SQLAlchemyError) as error:
            LOGGER.warning("model watch: database unreachable (%s)", type(error).__name__)
            return
        self._switch(wanted, artifact)

    def _switch(self, wanted: tuple[str, str] | None, artifact: str | None) -> None:
        if wanted is None or artifact is None:
            self.hook.router = self.file_router
            LOGGER.warning("model watch: no active version; routing with the shipped model")
        else:
            try:
                model = LogisticScorer(json.loads(artifact))
            except (ArtifactError, ValueError, KeyError) as error:
                LOGGER.error("model watch: version %s cannot be loaded: %s", wanted[0], error)
                self.refused = wanted
                return
            self.hook.router = self.file_router.with_model(model, self.settings)
            LOGGER.warning("model watch: routing with model version %s", wanted[0])
        self.current = wanted

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.settings.model_poll_s)
            await self.check()
