"""Flask extensions, created once here and initialised in create_app()."""

from flask_babel import Babel
from flask_compress import Compress as _Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from app.core.csrf import CSRFProtect  # Flask-WTF's, showing a form again when its token expired

# Alembic-friendly constraint names, so migrations can alter them on SQLite (batch mode) and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Compress(_Compress):
    """Flask-Compress, except for a part of a file (206, a Range request): the Content-Range counts the bytes
    of the file as it is, so compressing the part would hand the client bytes that match neither."""

    def after_request(self, response):
        if response is not None and (response.status_code == 206 or "Content-Range" in response.headers):
            response.vary.add("Accept-Encoding")
            return response
        return super().after_request(response)


db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()
