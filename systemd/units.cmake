# units.cmake: makes snap's systemd units from the files in this folder.
# CMakeLists.txt includes it twice: at configure time, for copies in the
# build tree whose ExecStart= runs the freshly built binary (test t4000
# verifies those), and from the install script, where the prefix is only
# known once "cmake --install --prefix" runs.
#
# snap_make_units(OUT BINDIR LIBEXECDIR) writes into OUT: snap.service
# and snap@.service (both from snap.service.in), the two timers,
# snap-failure@.service and snap.conf (tmpfiles.d).  BINDIR holds snap,
# LIBEXECDIR snap-inhibit.

set(SNAP_UNITS_SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(snap_make_units out bindir libexecdir)
	set(SNAP_BINDIR ${bindir})
	set(SNAP_LIBEXECDIR ${libexecdir})
	set(in ${SNAP_UNITS_SOURCE_DIR}/snap.service.in)

	set(UNIT snap.service)
	set(UNIT_CONFIG /etc/snap/snap.yaml)
	set(UNIT_ROOT /var/backups/snap)
	set(UNIT_TIMER snap.timer)
	set(UNIT_EDIT snap.service)
	configure_file(${in} ${out}/snap.service @ONLY)

	# The instance names the config, and its snapshot root by default.
	set(UNIT snap@.service)
	set(UNIT_CONFIG /etc/snap/%i.yaml)
	set(UNIT_ROOT /var/backups/snap-%i)
	set(UNIT_TIMER snap@%i.timer)
	set(UNIT_EDIT snap@NAME.service)
	configure_file(${in} ${out}/snap@.service @ONLY)

	foreach(f snap.timer snap@.timer snap-failure@.service)
		configure_file(${SNAP_UNITS_SOURCE_DIR}/${f} ${out}/${f} COPYONLY)
	endforeach()
	configure_file(${SNAP_UNITS_SOURCE_DIR}/snap.tmpfiles ${out}/snap.conf
		COPYONLY)
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
