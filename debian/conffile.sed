# debian/conffile.sed: makes the package's /etc/briskdns.conf from
# etc/briskdns.conf, the one example configuration (debian/rules checks
# that every line below matched).
1i\
# Debian: this is the briskdns source's etc/briskdns.conf with user=,\
# group=, pid-file=, conf-dir= and control-socket= set for the package,\
# not commented out; every other key is at its default.  It is\
# root:briskdns 0640: briskdns reads it again on SIGHUP after dropping\
# privileges.  Put local settings in /etc/briskdns.d/*.conf.  See\
# /usr/share/doc/briskdns/README.Debian.\

s|^#user=.*|user=briskdns|
s|^#group=.*|group=briskdns|
s|^#pid-file=.*|pid-file=/run/briskdns/briskdns.pid|
s|^#conf-dir=/etc/briskdns\.d.*|conf-dir=/etc/briskdns.d/,*.conf|
s|^#control-socket=.*|control-socket=/run/briskdns/control|
