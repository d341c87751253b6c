use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use miette::{GraphicalReportHandler, GraphicalTheme};

use t2a::app;
use t2a::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    match app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let opts = app::human_options(color, std::io::stderr().is_terminal());
            let theme = if opts.color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let mut text = String::new();
            let handler = GraphicalReportHandler::new_themed(theme).with_width(opts.width);
            if handler.render_report(&mut text, &err).is_err() {
                text = format!("error: {err}\n");
            }
            eprint!("{text}");
            ExitCode::from(err.exit_code())
        }
    }
}
