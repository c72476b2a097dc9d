"""The custom resource handler of cdk-smsvoice: validation, diffing and API calls."""
