"""The reliability suite's steady traffic is local traffic, whatever the customer number.

The suite counts cloud calls during a cloud storm and expects none from this
traffic; a question whose numbered variants the model scores for the cloud
made that count depend on how many requests a run managed to send.
"""

from classifier import extract_features
from router_service.core.config import Settings
from router_service.request_router import RequestRouter
from tests.support.load import local_question


def test_every_numbered_local_question_is_routed_local() -> None:
    router = RequestRouter.from_settings(Settings())
    to_the_cloud = [
        number
        for number in range(5_000)
        if router.decide_features("auto", extract_features(local_question(number, False))).tier
        != "local"
    ]
    assert to_the_cloud == []
