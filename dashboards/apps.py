import importlib
import pkgutil

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"

    def ready(self):
        # Each home's panels register themselves (dashboards.registry.panel) when their module
        # is imported: every module of dashboards/panels/ is imported here, so a new home's
        # module needs no line anywhere else.
        # In the homes' order, so a home's own panels come first and a panel another module
        # adds to it (the AE's forecast categories on the leader home) after them.
        from dashboards import panels
        from dashboards.registry import HOMES

        homes = list(HOMES)
        names = [module.name for module in pkgutil.iter_modules(panels.__path__)]
        for name in sorted(names, key=lambda n: (homes.index(n) if n in homes else len(homes), n)):
            importlib.import_module(f"{panels.__name__}.{name}")
