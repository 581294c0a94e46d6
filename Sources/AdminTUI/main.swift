// connect-admin: the operator console (no subcommand) and the scripting CLI.
ConnectAdminCommand.main(CommandLine.arguments.dropFirst())
