# fish completion for quire(1): `quire completion fish` prints this file;
# packages install it as share/fish/vendor_completions.d/quire.fish.

set -l cmds build check verify init new watch completion
complete -c quire -f
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a build -d 'bind the content folder into an EPUB and an HTML archive'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a check -d 'check the content folder, write nothing'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a verify -d 'check a release folder against SHA256SUMS'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a init -d 'make a starter book'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a new -d 'add an essay to a book'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a watch -d 'build, then rebuild on every change'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -a completion -d 'print a shell completion script'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'show the help'
complete -c quire -n "not __fish_seen_subcommand_from $cmds" -s V -l version -d 'show the version'

complete -c quire -n "__fish_seen_subcommand_from build check verify watch init" -a '(__fish_complete_directories)'
complete -c quire -n "__fish_seen_subcommand_from build watch" -s o -l output -r -a '(__fish_complete_directories)' -d 'write into DIR'
complete -c quire -n "__fish_seen_subcommand_from build watch" -s f -l format -x -a 'epub html all' -d 'formats to make'
complete -c quire -n "__fish_seen_subcommand_from build watch" -s q -l quiet -d 'print only diagnostics'
complete -c quire -n "__fish_seen_subcommand_from build" -l release -x -d 'publish release VER'
complete -c quire -n "__fish_seen_subcommand_from build" -l sign -r -F -d 'sign SHA256SUMS with an SSH key'
complete -c quire -n "__fish_seen_subcommand_from build" -l progress -d 'show the progress'
complete -c quire -n "__fish_seen_subcommand_from build check watch" -l drafts -d 'include drafts'
complete -c quire -n "__fish_seen_subcommand_from build check watch" -l strict -d 'treat warnings as errors'
complete -c quire -n "__fish_seen_subcommand_from build check watch" -s j -l jobs -x -d 'render N essays at a time'
complete -c quire -n "__fish_seen_subcommand_from build check" -l diagnostics -x -a 'text json sarif' -d 'how to print diagnostics'
complete -c quire -n "__fish_seen_subcommand_from verify" -l allowed-signers -r -F -d 'keys that may sign'
complete -c quire -n "__fish_seen_subcommand_from verify" -s q -l quiet -d 'print only problems'
complete -c quire -n "__fish_seen_subcommand_from completion" -x -a 'bash zsh fish'
