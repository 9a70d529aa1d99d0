#!/usr/bin/env python3
"""Point the official Alibaba Cloud Python SDKs at the emulator.

Proves that what real clients send (ACS3-HMAC-SHA256 by default, HMAC-SHA1
with signature_algorithm='v2', form-style `+` spaces, lowercase Format=json,
`True`/`False` booleans, `#len#` map keys) is accepted, and that the SDKs
parse our answers and errors.

Not part of `cargo test`. Run (see emulator/README.md):

    python3 -m venv /tmp/sdkvenv
    /tmp/sdkvenv/bin/pip install alibabacloud_eci20180808 alibabacloud_ecs20140526
    cargo build -p aliyun-emulator
    /tmp/sdkvenv/bin/python emulator/tests/sdk/sdk_smoke.py [path/to/aliyun-emulator]
"""

import os
import subprocess
import sys
import uuid

from alibabacloud_eci20180808 import models as eci_models
from alibabacloud_eci20180808.client import Client as EciClient
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models

REGION = "cn-hangzhou"


def start_emulator(binary):
    proc = subprocess.Popen(
        [binary, "--step-seconds", "0", "--seed-template", "sdk-template:SUCCESS"],
        stdout=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().strip()
    assert first.startswith("listening on http://"), first
    template = None
    for _ in range(3):
        line = proc.stdout.readline().strip()
        if line.startswith("template sdk-template"):
            template = line.rsplit(" ", 1)[1]
    return proc, first[len("listening on http://"):], template


def config(endpoint, v2=False):
    c = open_api_models.Config(
        access_key_id="emulator",
        access_key_secret="emulator-secret",
        endpoint=endpoint,
        protocol="HTTP",
        region_id=REGION,
    )
    if v2:
        c.signature_algorithm = "v2"
    return c


def expect_error(code, fn):
    try:
        fn()
    except Exception as e:  # the tea SDK raises TeaException / ClientException
        got = getattr(e, "code", None)
        assert got == code, f"expected {code}, got {got}: {e}"
        return
    raise AssertionError(f"expected {code}, got success")


def image_caches(eci):
    create = eci.create_image_cache(
        eci_models.CreateImageCacheRequest(
            region_id=REGION,
            image_cache_name="my cache*~/é",
            image=["registry-vpc.cn-hangzhou.aliyuncs.com/eci_open/nginx:1.15.10-perl"],
            security_group_id="sg-1",
            v_switch_id="vsw-1",
            auto_match_image_cache=True,
            retention_days=7,
            tag=[eci_models.CreateImageCacheRequestTag(key="env name", value="测试 a+b=c&d")],
            image_registry_credential=[
                eci_models.CreateImageCacheRequestImageRegistryCredential(
                    server="registry.example.com", user_name="u", password="p"
                )
            ],
            client_token=str(uuid.uuid4()),
        )
    )
    cache_id = create.body.image_cache_id
    assert cache_id.startswith("imc-"), cache_id
    desc = eci.describe_image_caches(
        eci_models.DescribeImageCachesRequest(region_id=REGION, image_cache_id=cache_id)
    )
    item = desc.body.image_caches[0]
    assert item.status == "Ready", item.status
    assert item.image_cache_name == "my cache*~/é"
    assert item.tags[0].value == "测试 a+b=c&d"
    assert item.image_cache_size == 20
    assert item.expire_date_time
    eci.update_image_cache(
        eci_models.UpdateImageCacheRequest(region_id=REGION, image_cache_id=cache_id, image_cache_name="renamed")
    )
    expect_error(
        "NoNeedUpdate",
        lambda: eci.update_image_cache(
            eci_models.UpdateImageCacheRequest(region_id=REGION, image_cache_id=cache_id, image_cache_name="renamed")
        ),
    )
    eci.delete_image_cache(eci_models.DeleteImageCacheRequest(region_id=REGION, image_cache_id=cache_id))
    expect_error(
        "InvalidParameter.NotFound",
        lambda: eci.delete_image_cache(eci_models.DeleteImageCacheRequest(region_id=REGION, image_cache_id=cache_id)),
    )


def data_caches(eci):
    create = eci.create_data_cache(
        eci_models.CreateDataCacheRequest(
            region_id=REGION,
            name="hf model",
            bucket="default",
            path="/model/sd21",
            size=40,
            retention_days=7,
            data_source=eci_models.CreateDataCacheRequestDataSource(
                type="URL",
                options={"#10#repoSource": "HuggingFace/Model", "#6#repoId": "stabilityai/stable-diffusion-2-1"},
            ),
            tag=[eci_models.CreateDataCacheRequestTag(key="team", value="ml")],
            client_token=str(uuid.uuid4()),
        )
    )
    dc_id = create.body.data_cache_id
    desc = eci.describe_data_caches(eci_models.DescribeDataCachesRequest(region_id=REGION, data_cache_id=[dc_id]))
    item = desc.body.data_caches[0]
    assert item.status == "Available", item.status
    assert '"repoSource":"HuggingFace/Model"' in item.data_source.options.replace(" ", ""), item.data_source.options
    eci.delete_data_cache(eci_models.DeleteDataCacheRequest(region_id=REGION, data_cache_id=dc_id))


def pipelines(ecs, template):
    start = ecs.start_image_pipeline_execution(
        ecs_models.StartImagePipelineExecutionRequest(
            region_id=REGION,
            image_pipeline_id=template,
            client_token=str(uuid.uuid4()),
            tag=[ecs_models.StartImagePipelineExecutionRequestTag(key="TestKey", value="Test Value")],
        )
    )
    exec_id = start.body.execution_id
    desc = ecs.describe_image_pipeline_executions(
        ecs_models.DescribeImagePipelineExecutionsRequest(region_id=REGION, execution_id=exec_id)
    )
    item = desc.body.image_pipeline_execution.image_pipeline_execution_set[0]
    assert item.status == "SUCCESS", item.status
    assert item.image_id.startswith("m-")
    assert item.tags.tag[0].tag_value == "Test Value"
    expect_error(
        "InvalidStatus.CancelFailed",
        lambda: ecs.cancel_image_pipeline_execution(
            ecs_models.CancelImagePipelineExecutionRequest(region_id=REGION, execution_id=exec_id)
        ),
    )
    expect_error(
        "InvalidImagePipeline.NotFound",
        lambda: ecs.start_image_pipeline_execution(
            ecs_models.StartImagePipelineExecutionRequest(region_id=REGION, image_pipeline_id="ip-missing")
        ),
    )


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "debug", "aliyun-emulator")
    proc, endpoint, template = start_emulator(binary)
    try:
        for v2 in (False, True):
            label = "HMAC-SHA1 (v2 setting)" if v2 else "ACS3-HMAC-SHA256 (default)"
            eci = EciClient(config(endpoint, v2))
            ecs = EcsClient(config(endpoint, v2))
            image_caches(eci)
            data_caches(eci)
            pipelines(ecs, template)
            print(f"ok: {label}")
        bad = config(endpoint)
        bad.access_key_secret = "wrong"
        expect_error(
            "SignatureDoesNotMatch",
            lambda: EciClient(bad).describe_image_caches(eci_models.DescribeImageCachesRequest(region_id=REGION)),
        )
        print("ok: wrong secret rejected")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
