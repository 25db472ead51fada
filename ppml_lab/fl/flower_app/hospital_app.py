"""The hospital consortium's Flower app: its ServerApp and ClientApp come from :mod:`ppml_lab.fl.flower`.

Every SuperNode needs ``ppml-lab`` installed (its data loaders, models and clients); the app bundle
itself is only this module and ``pyproject.toml``.
"""

from ppml_lab.fl.flower import make_client_app, make_server_app

server_app = make_server_app()
client_app = make_client_app()
