from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self):
        # The pipeline judges Won's and Expanded's rules and shows Won's dialog without
        # importing customers: this app registers them (docs/adr/0301, 0302).
        from customers import rules
        from customers.views.win import register_dialog

        rules.register()
        register_dialog()
        from customers.merge import register as register_merge_check

        register_merge_check()
