"""Live updates: platforms push product changes to the hub, which applies them within seconds.

* :mod:`~hub.webhooks.endpoints`: a site's receiving URL (an unguessable token) and its secret.
* :mod:`~hub.webhooks.receive`: the public endpoint: authenticate through the plugin, dedupe, enqueue.
* :mod:`~hub.webhooks.pending`: the Redis side: pending changes per site, dedupe keys, the flush job.
* :mod:`~hub.webhooks.apply`: the worker side: coalesce, fetch by id, store what is newer, archive.
* :mod:`~hub.webhooks.lifecycle`: register, check, re-register and unregister the platform's hooks.

Scheduled incremental syncs stay the safety net: a webhook the platform never sent is caught there.
"""
