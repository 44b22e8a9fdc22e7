import importlib
import pkgutil

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self):
        # Each home's panels register themselves (dashboards.registry.panel) when their module
        # is imported: every module of dashboards/panels/ is imported here, so a new home's
        # module needs no line anywhere else.
        from dashboards import panels

        for module in pkgutil.iter_modules(panels.__path__):
            importlib.import_module(f"{panels.__name__}.{module.name}")
