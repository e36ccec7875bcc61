# bash completion for snap(1).
#
# The commands and each command's options are read from snap itself
# ("snap --help", "snap help COMMAND"), so this file never lists them
# again; snapshot names come from "snap list --names", a listing of the
# snapshot root that reads no manifest.

# The program completed and run: a build with -DSNAP_PROGRAM_NAME=NAME
# installs this file as NAME with this line and the last one naming NAME.
_snap_program=snap

# _snap_config: the -c FILE / --config FILE / --config=FILE on the line.
_snap_config() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config)
			printf '%s\n' "${COMP_WORDS[i + 1]}"
			return
			;;
		--config=*)
			printf '%s\n' "${COMP_WORDS[i]#--config=}"
			return
			;;
		esac
	done
}

_snap() {
	local cur prev cmd="" word i config
	local -a cfg=()
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command: the first word that is neither an option nor the
	# value of -c or --wait.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		-c | --config | --wait) ((i++)) ;;
		-*) ;;
		*)
			cmd=$word
			break
			;;
		esac
	done

	case $prev in
	-c | --config)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--wait | --label | --sample)
		return
		;;
	esac

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W \
				"-c --config -v --verbose -q --quiet --json --wait --help --version" \
				-- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W \
				"$("$_snap_program" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on { print $1 }')" \
				-- "$cur")
		fi
		return
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
			"$("$_snap_program" help "$cmd" 2>/dev/null | sed -n 's/^usage: //p' |
				grep -oE -- '--?[a-z][a-z-]*' | sort -u)
			-c --config -v --verbose -q --quiet --json --wait --help" \
			-- "$cur")
		return
	fi

	config=$(_snap_config)
	[ -n "$config" ] && cfg=(-c "$config")
	case $cmd in
	help)
		mapfile -t COMPREPLY < <(compgen -W \
			"$("$_snap_program" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on { print $1 }')" \
			-- "$cur")
		;;
	diff | verify | repair | delete)
		mapfile -t COMPREPLY < <(compgen -W \
			"latest $("$_snap_program" "${cfg[@]}" list --names 2>/dev/null)" -- "$cur")
		;;
	restore)
		# SNAPSHOT PATH DEST: the snapshot, then local folders.
		local n=0
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-c | --config | --wait) ((i++)) ;;
			-*) ;;
			*) ((n++)) ;;
			esac
		done
		if [ "$n" = 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W \
				"latest $("$_snap_program" "${cfg[@]}" list --names 2>/dev/null)" -- "$cur")
		elif [ "$n" = 2 ]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		fi
		;;
	esac
}
complete -F _snap snap
