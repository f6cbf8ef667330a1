"""The lesson's scripts, written by hand: the baseline runexp's timings are held to.

One run of one model over one workload, timed with perf_counter from pool
start-up to the last result, printed in seconds. Deliberately independent of
runexp's code.

    python bench/handwritten.py threads http --tasks 160 --pool 20 --url URL
    python bench/handwritten.py processes fib --tasks 20 --n 20 --pool 2
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import threading
import time

import aiohttp
import requests

_local = threading.local()
_session: requests.Session | None = None


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def thread_session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def init_process() -> None:
    global _session  # noqa: PLW0603
    _session = requests.Session()


def get(session: requests.Session, url: str) -> int:
    with session.get(url) as response:
        return len(response.content)


def get_in_thread(url: str) -> int:
    return get(thread_session(), url)


def get_in_process(url: str) -> int:
    assert _session is not None
    return get(_session, url)


async def download_all(urls: list[str], pool: int) -> list[int]:
    semaphore = asyncio.Semaphore(pool)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(url: str) -> int:
            async with semaphore, session.get(url) as response:
                return len(await response.read())
        return await asyncio.gather(*(one(url) for url in urls))


def run(model: str, workload: str, args: argparse.Namespace) -> None:
    if workload == "fib":
        items = [args.n] * args.tasks
        if model == "sync":
            [fib(n) for n in items]
        elif model == "threads":
            with concurrent.futures.ThreadPoolExecutor(args.pool) as executor:
                list(executor.map(fib, items))
        elif model == "asyncio":
            async def main() -> None:
                semaphore = asyncio.Semaphore(args.pool)

                async def one(n: int) -> int:
                    async with semaphore:
                        return fib(n)
                await asyncio.gather(*(one(n) for n in items))
            asyncio.run(main())
        else:
            with concurrent.futures.ProcessPoolExecutor(args.pool) as executor:
                list(executor.map(fib, items))
        return
    query = f"latency_ms={args.latency_ms:g}&size_bytes={args.size}"
    urls = [f"{args.url}/pages/{i}?{query}" for i in range(args.tasks)]
    if model == "sync":
        with requests.Session() as session:
            [get(session, url) for url in urls]
    elif model == "threads":
        with concurrent.futures.ThreadPoolExecutor(args.pool) as executor:
            list(executor.map(get_in_thread, urls))
    elif model == "asyncio":
        asyncio.run(download_all(urls, args.pool))
    else:
        with concurrent.futures.ProcessPoolExecutor(args.pool, initializer=init_process) as ex:
            list(ex.map(get_in_process, urls))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["sync", "threads", "asyncio", "processes"])
    parser.add_argument("workload", choices=["fib", "http"])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--pool", type=int, default=1)
    parser.add_argument("--url", default="")
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    start = time.perf_counter()
    run(args.model, args.workload, args)
    print(f"{time.perf_counter() - start:.6f}")


if __name__ == "__main__":
    main()
