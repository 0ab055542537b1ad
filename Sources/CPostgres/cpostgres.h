// The PostgreSQL client library (Debian's libpq-dev), for SluiceStorage.
#include <libpq-fe.h>
