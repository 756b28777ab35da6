"""The model gateway: every call to a model goes through here.

``gateway`` (configuration, the client, structured calls and their errors), ``transport`` (the
HTTP layers under the SDK: retries and metering), ``store`` (the response store) and ``prices``.
"""
