#!/bin/sh
# Starts mailautoconf under mod_fcgid, which passes the listening FastCGI
# socket on standard input as spawn-fcgi does. mod_fcgid sends one request
# at a time to each process and starts more processes under load, so one
# thread per process is enough.
#
# Edit the three paths, or set the variables with FcgidInitialEnv in the
# server configuration. suexec passes on only a fixed list of variables,
# so under suexec edit them here. Keep the provider file outside the
# document root.

: "${MAILAUTOCONF_BINARY:=/usr/bin/mailautoconf}"
: "${MAILAUTOCONF_TEMPLATES:=/usr/share/mailautoconf/templates}"
: "${MAILAUTOCONF_PROVIDER:=/etc/mailautoconf/provider.json}"

exec "$MAILAUTOCONF_BINARY" serve --threads 1 \
    --templates "$MAILAUTOCONF_TEMPLATES" "$MAILAUTOCONF_PROVIDER"
