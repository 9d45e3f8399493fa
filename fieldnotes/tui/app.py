from textual.app import App


class FieldnotesApp(App):
    def __init__(self, service, dayfirst=False, banner=""):
        super().__init__()
