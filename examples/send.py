"""Send a text through the reference app's deployed v2 configuration set.

Run it against the local emulator, as the README's walkthrough does::

    export AWS_ENDPOINT_URL=http://127.0.0.1:4599 AWS_DEFAULT_REGION=us-east-1 \
           AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
    .venv/bin/python examples/send.py

The emulator delivers the message and writes one record per event to each enabled
destination whose event types match. Against AWS, leave AWS_ENDPOINT_URL unset.
"""

import boto3

sms = boto3.client("pinpoint-sms-voice-v2")  # AWS_ENDPOINT_URL points it at the emulator
sets = sms.describe_configuration_sets()["ConfigurationSets"]
name = next(s["ConfigurationSetName"] for s in sets if "Notifications" in s["ConfigurationSetName"])
reply = sms.send_text_message(
    ConfigurationSetName=name,
    DestinationPhoneNumber="+14255550100",
    MessageBody="Your code is 123456",
    Context={"order": "42"},
)
print(f"sent {reply['MessageId']} through {name}")
