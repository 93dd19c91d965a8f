"""gunicorn's settings for Linli (read from this folder by ``gunicorn wsgi:app``, as ``make run`` starts it).

The access log leaves out query strings and the Referer: a URL may still carry personal data typed into a
search or a link from elsewhere (lists move their searches out of the URL, app.core.searches, but an old
bookmark or a hand-typed address would land in the log before its redirect), and the log is kept and copied
with less care than the database. What is logged per request: the client's address, the time, the method, the
path, the protocol, the status, the size and the browser.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s "%(a)s"'
