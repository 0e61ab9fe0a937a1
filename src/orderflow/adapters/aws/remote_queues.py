"""SQS's operations over a boto3 ``sqs`` client, as the engine's ``QueuesApi``.

The engine takes a queue by name (or URL) where SQS takes its URL: a name is resolved
with GetQueueUrl once and remembered (as are the URLs CreateQueue and ListQueues
answer with). SQS's "queue does not exist" (``AWS.SimpleQueueService.NonExistentQueue``,
or ``QueueDoesNotExist`` in the JSON protocol's own code) is the engine's
``QueueDoesNotExist``. ListQueues is followed over its NextToken pages and, as the
engine's, answers by queue name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from orderflow.adapters.aws.calls import KnownErrors, given, paged, remote_call
from orderflow.eventbus.names import queue_name_from_url
from orderflow.eventbus.queues.errors import QueueDoesNotExist

SQS_ERRORS: Final[KnownErrors] = {
    QueueDoesNotExist.query_code: QueueDoesNotExist,
    QueueDoesNotExist.code: QueueDoesNotExist,
}
PAGE_SIZE: Final = 1000
"""ListQueues' largest page; a MaxResults is needed for SQS to answer with a NextToken."""


class RemoteQueues:
    """The SQS operations the topology file uses, on a remote endpoint."""

    def __init__(self, client: Any, where: str, *, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.where = where  # the endpoint, as error messages name it
        self.page_size = page_size  # ListQueues' MaxResults
        self._urls: dict[str, str] = {}  # queue name -> URL

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        with remote_call(self.where, SQS_ERRORS):
            response: dict[str, Any] = getattr(self.client, operation)(**given(**params))
        return response

    def url_of(self, queue: str) -> str:
        """The URL of a queue given by name (GetQueueUrl, once) or by URL."""
        if queue.startswith(("http://", "https://")):
            return queue
        url = self._urls.get(queue)
        if url is None:
            url = str(self._call("get_queue_url", QueueName=queue)["QueueUrl"])
            self._urls[queue] = url
        return url

    def create_queue(
        self,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        answer = self._call(
            "create_queue",
            QueueName=name,
            Attributes=dict(attributes) if attributes else None,
            tags=dict(tags) if tags else None,
        )
        url = str(answer["QueueUrl"])
        self._urls[name] = url
        return url

    def set_queue_attributes(self, queue: str, attributes: Mapping[str, str]) -> None:
        self._call("set_queue_attributes", QueueUrl=self.url_of(queue), Attributes=dict(attributes))

    def delete_queue(self, queue: str) -> None:
        url = self.url_of(queue)
        self._call("delete_queue", QueueUrl=url)
        self._urls.pop(queue_name_from_url(url), None)

    def list_queues(self, prefix: str | None = None, max_results: int | None = None) -> list[str]:
        urls: list[str] = []
        pages = paged(
            self.client.list_queues,
            "QueueUrls",
            self.where,
            SQS_ERRORS,
            QueueNamePrefix=prefix,
            MaxResults=min(max_results or self.page_size, self.page_size),
        )
        for url in pages:
            urls.append(str(url))
            if max_results is not None and len(urls) >= max_results:
                break
        by_name = {queue_name_from_url(url): url for url in urls}
        self._urls.update(by_name)
        return [by_name[name] for name in sorted(by_name)]

    def get_queue_attributes(self, queue: str, names: Iterable[str] = ("All",)) -> dict[str, str]:
        answer = self._call(
            "get_queue_attributes", QueueUrl=self.url_of(queue), AttributeNames=list(names)
        )
        return {str(key): str(value) for key, value in (answer.get("Attributes") or {}).items()}

    def tag_queue(self, queue: str, tags: Mapping[str, str]) -> None:
        self._call("tag_queue", QueueUrl=self.url_of(queue), Tags=dict(tags))

    def list_queue_tags(self, queue: str) -> dict[str, str]:
        answer = self._call("list_queue_tags", QueueUrl=self.url_of(queue))
        return {str(key): str(value) for key, value in (answer.get("Tags") or {}).items()}
