"""The model gateway: every call to a model goes through here.

``config`` says which model and how (flags, then the environment; the key as a secret),
``gateway`` makes structured calls through instructor and turns failures into factcheck errors,
``answers`` salvages answer text, ``transport`` holds the HTTP layers under the SDK (retries,
metering), ``store`` the response store, and ``prices`` what the calls cost.
"""
