"""Reference stacks of cdk-smsvoice: deployable examples, used by app.py and the tests."""
