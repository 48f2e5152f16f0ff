"""The analysis layer: prevalence and breakdowns, agreement and reliability
statistics, survey agreement.

May import ``core``, ``store``, ``inputs`` and ``coding`` only. Statistics return
tables; writing them to workbooks is the ``formats`` layer's.
"""
