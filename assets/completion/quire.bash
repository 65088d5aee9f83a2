# bash completion for quire(1): `quire completion bash` prints this file;
# packages install it as share/bash-completion/completions/quire.

_quire()
{
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W 'build check verify init new watch
		    completion --help --version' -- "$cur"))
		return
	fi
	case $prev in
	-o|--output|--allowed-signers|--sign)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-f|--format)
		COMPREPLY=($(compgen -W 'epub html all' -- "$cur"))
		return ;;
	--diagnostics)
		COMPREPLY=($(compgen -W 'text json sarif' -- "$cur"))
		return ;;
	-j|--jobs|--release)
		return ;;
	esac
	if [[ $cur == --diagnostics=* ]]; then
		COMPREPLY=($(compgen -P --diagnostics= -W 'text json sarif' \
		    -- "${cur#--diagnostics=}"))
		return
	fi
	local opts
	case $cmd in
	build)
		opts='--output --format --release --sign --drafts --strict --jobs
		    --quiet --progress --diagnostics= --help' ;;
	check)
		opts='--strict --drafts --jobs --diagnostics= --help' ;;
	verify)
		opts='--allowed-signers --quiet --help' ;;
	watch)
		opts='--output --format --drafts --strict --jobs --quiet --help' ;;
	init|new)
		opts='--help' ;;
	completion)
		COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	else
		COMPREPLY=($(compgen -d -- "$cur"))
	fi
}
complete -F _quire quire
