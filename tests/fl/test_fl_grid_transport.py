"""The server's first query to its SuperNodes waits as long as any message may, not what connecting left."""

import pytest

from ppml_lab.fl import flower
from ppml_lab.fl.flower import GridTransport


class _Grid:
    """Nodes connect at once; nobody answers. Records the timeout the transport asked for."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def get_node_ids(self) -> list[int]:
        return [11, 12]

    def send_and_receive(self, messages, timeout=None):
        self.timeouts.append(timeout)
        return []


def test_the_partition_query_gets_the_message_timeout(monkeypatch):
    # Under load, Ray's actors (or a fresh flwr-clientapp importing PyTorch) took longer than the
    # 120 s connect budget to answer the first query, although every node had connected at once.
    # outside a Flower run a Message cannot be built (no run id): the transport's queries are stand-ins
    monkeypatch.setattr(flower, "Message", lambda *args, **kwargs: (args, kwargs))
    grid = _Grid()
    with pytest.raises(RuntimeError, match="no SuperNode answered"):
        GridTransport(grid, 2, connect_timeout=120.0, message_timeout=600.0)
    assert grid.timeouts == [600.0]
