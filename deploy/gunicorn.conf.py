"""gunicorn settings of the web server: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

The app is built once in the master (`preload_app`) and the workers are forked from it, so the
imported code, classes and routes are shared copy-on-write instead of built again in every worker.
Before each fork the master moves every object it holds into the collector's permanent generation
(`gc.freeze()`), so a worker's garbage collections do not write to those objects' pages and copy
them. What the app opened in the master is not used across the fork: the database engines' pools
are left to the master (`dispose(close=False)`) and each worker opens its own connections; the
scan writer, the collector thread (storefront/gc_guard.py), the raw origin-page connections and
Redis clients start again in each worker by themselves (they check the process id).
Command-line options (--workers, --bind …) still apply on top of this file.
"""

import gc

preload_app = True


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    import wsgi
    from storefront.extensions import db

    with wsgi.app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
