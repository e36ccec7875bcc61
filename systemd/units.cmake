# units.cmake: makes snap's systemd units from the files in this folder.
# CMakeLists.txt includes it twice: at configure time, for copies in the
# build tree whose ExecStart= runs the freshly built binary (test t4000
# verifies those), and from the install script, where the prefix is only
# known once "cmake --install --prefix" runs.
#
# snap_make_units(OUT BINDIR LIBEXECDIR PROGRAM CONFIGDIR) writes into OUT:
# snap.service and snap@.service (both from snap.service.in), the two
# timers, snap-failure@.service, snap-notify-start@.service,
# -success@ and -fail@ (from snap-notify.service.in) and snap.conf
# (tmpfiles.d).  BINDIR holds the program, named PROGRAM (snap unless
# SNAP_PROGRAM_NAME says otherwise), LIBEXECDIR snap-inhibit and
# snap-failure-report; CONFIGDIR the configs (snap.yaml, NAME.yaml).

set(SNAP_UNITS_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SNAP_UNIT_FILES snap.service snap@.service snap.timer snap@.timer
	snap-failure@.service snap-notify-start@.service
	snap-notify-success@.service snap-notify-fail@.service
	snap-replicate@.service snap-replicate@.timer)

function(snap_make_units out bindir libexecdir program configdir)
	set(SNAP_CONFIG_DIR ${configdir})
	set(SNAP_BINDIR ${bindir})
	set(SNAP_LIBEXECDIR ${libexecdir})
	set(SNAP_PROGRAM ${program})
	set(in ${SNAP_UNITS_SOURCE_DIR}/snap.service.in)

	# UNIT_SET: the instance of the notify units, which read
	# CONFIGDIR/UNIT_SET.yaml.
	set(UNIT snap.service)
	set(UNIT_CONFIG ${configdir}/snap.yaml)
	set(UNIT_SET snap)
	set(UNIT_TIMER snap.timer)
	set(UNIT_EDIT snap.service)
	# The main unit keeps the tightest sandbox (exposure 2.0): it may
	# write its root and the metrics folder only.
	set(UNIT_EXPOSURE 2.0)
	set(UNIT_PROTECT_SYSTEM strict)
	set(UNIT_READ_WRITE_PATHS "ReadWritePaths=/var/backups/snap
ReadWritePaths=-/var/lib/prometheus/node-exporter")
	set(UNIT_WRITE_NOTE "# The unit may write only two places: the snapshot root
# /var/backups/snap and the folder of the metrics file.  If the config's
# snapshot_root is elsewhere, name it in a drop-in:
#
#	systemctl edit snap.service
#	    [Service]
#	    ReadWritePaths=
#	    ReadWritePaths=/srv/backup/snap -/var/lib/prometheus/node-exporter
#
# (an empty \"ReadWritePaths=\" first drops the defaults below).  The folder
# must exist when the run starts, or the unit fails with status
# 226/NAMESPACE: a missing backup disk is an error, not a reason to write
# into its mount point.  systemd-tmpfiles makes /var/backups/snap
# (tmpfiles.d/snap.conf); make any other with \"install -d -m 0700 DIR\".
# For a root anywhere outside /usr, /etc, /boot and the home folders
# without a drop-in, use snap@.service.")
	configure_file(${in} ${out}/snap.service @ONLY)

	# The instance names the config, and its snapshot root by default.
	set(UNIT snap@.service)
	set(UNIT_CONFIG ${configdir}/%i.yaml)
	set(UNIT_SET %i)
	set(UNIT_TIMER snap@%i.timer)
	set(UNIT_EDIT snap@NAME.service)
	# Each set names its own root, so the template cannot list them:
	# everything but /usr, /etc, /boot (ProtectSystem=full) and the home
	# folders is writable, for exposure 2.1.
	set(UNIT_EXPOSURE 2.1)
	set(UNIT_PROTECT_SYSTEM full)
	set(UNIT_READ_WRITE_PATHS "")
	set(UNIT_WRITE_NOTE "# The unit may write anywhere but /usr, /etc, /boot (ProtectSystem=full)
# and the home folders /home, /root and /run/user (ProtectHome=read-only),
# so a snapshot root on /srv, /mnt, /media or /var works as it is.  A
# root below a home folder needs a drop-in:
#
#	systemctl edit snap@NAME.service
#	    [Service]
#	    ReadWritePaths=/home/backup/snap")
	configure_file(${in} ${out}/snap@.service @ONLY)

	set(in ${SNAP_UNITS_SOURCE_DIR}/snap-notify.service.in)
	foreach(EVENT start success fail)
		set(NOTIFY_UNIT snap-notify-${EVENT}@.service)
		if(EVENT STREQUAL start)
			set(NOTIFY_WHEN "The backup unit\n# pulls it in and waits for it before its run starts.")
		elseif(EVENT STREQUAL success)
			set(NOTIFY_WHEN "Started by the\n# backup unit's OnSuccess=: the run made a snapshot (exit 0 or 3).")
		else()
			set(NOTIFY_WHEN "Started by the\n# backup unit's OnFailure=: no snapshot (exit 1, 2, 143, a timeout).")
		endif()
		configure_file(${in} ${out}/${NOTIFY_UNIT} @ONLY)
	endforeach()

	foreach(f snap.timer snap@.timer snap-failure@.service)
		configure_file(${SNAP_UNITS_SOURCE_DIR}/${f} ${out}/${f} @ONLY)
	endforeach()
	configure_file(${SNAP_UNITS_SOURCE_DIR}/snap.tmpfiles ${out}/snap.conf
		COPYONLY)

	# The replica's copy (replicate.h): snap-replicate@NAME.service and
	# its timer, for NAME.yaml with replicate_from.
	configure_file(${SNAP_UNITS_SOURCE_DIR}/snap-replicate@.service.in
		${out}/snap-replicate@.service @ONLY)
	configure_file(${SNAP_UNITS_SOURCE_DIR}/snap-replicate@.timer
		${out}/snap-replicate@.timer @ONLY)
endfunction()

# snap_install_dir(VAR DIR): DIR (a GNUInstallDirs value) as an absolute
# path: as it is if absolute, else below the install prefix, which in the
# install script is the one "cmake --install --prefix" gave.
function(snap_install_dir var dir)
	if(IS_ABSOLUTE "${dir}")
		set(${var} "${dir}" PARENT_SCOPE)
	else()
		set(${var} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
	endif()
endfunction()

# snap_systemd_dir(VAR GIVEN PKGCONFIG FALLBACK): where systemd's files
# go, at install time: GIVEN if the user named it (-DSNAP_SYSTEMD_UNITDIR=),
# else systemd's own folder (PKGCONFIG, from systemd.pc) when the prefix
# is /usr, else FALLBACK below the prefix.
function(snap_systemd_dir var given pkgconfig fallback)
	if(NOT given STREQUAL "")
		snap_install_dir(dir "${given}")
	elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND NOT pkgconfig STREQUAL "")
		set(dir "${pkgconfig}")
	else()
		snap_install_dir(dir "${fallback}")
	endif()
	set(${var} "${dir}" PARENT_SCOPE)
endfunction()

# snap_make_man_page(IN OUT PROGRAM): the man page IN (snap.1) as OUT, for
# a program installed as PROGRAM: its .TH title and the name in NAME
# follow, so that "man PROGRAM" and apropos find it.
function(snap_make_man_page in out program)
	file(READ "${in}" text)
	string(TOUPPER "${program}" title)
	string(REGEX REPLACE "\n\\.TH SNAP 1 " "\n.TH ${title} 1 " text "${text}")
	string(REGEX REPLACE "\n\\.SH NAME\nsnap " "\n.SH NAME\n${program} " text "${text}")
	file(WRITE "${out}.tmp" "${text}")
	configure_file("${out}.tmp" "${out}" COPYONLY)
	file(REMOVE "${out}.tmp")
	set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${in}")
endfunction()
