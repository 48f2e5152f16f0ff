"""The app layer: the :class:`~mpsp_qual.app.project.Project` facade, the services the
interfaces call (:mod:`.services`), reporting, REFI-QDA import and the demo.

May import every layer below it; the interfaces (``cli``, ``web``) import only this
layer and ``core``.
"""
