//! `rnats context add|select|ls|rm|show`.

use anyhow::{anyhow, Result};

use crate::args::{ConnectArgs, ContextAddArgs, ContextCommand};
use crate::connect::DEFAULT_URL;
use crate::context::{ContextSettings, ContextStore};

pub(crate) fn run(connect_args: &ConnectArgs, command: ContextCommand) -> Result<()> {
    let store = ContextStore::from_env()?;
    match command {
        ContextCommand::Add(args) => add(&store, connect_args, args),
        ContextCommand::Select { name } => {
            store.select(&name)?;
            show(&store, &name)
        }
        ContextCommand::Ls => list(&store),
        ContextCommand::Rm { name, force: _ } => {
            store.remove(&name)?;
            println!("Removed context {name:?}");
            Ok(())
        }
        ContextCommand::Show { name, json } => {
            let name = name
                .or_else(|| store.selected())
                .ok_or_else(|| anyhow!("no context selected; name one"))?;
            if json {
                let settings = store.load(&name)?;
                println!("{}", serde_json::to_string_pretty(&settings)?);
                Ok(())
            } else {
                show(&store, &name)
            }
        }
    }
}

/// Creates or updates a context: flags given now overwrite, others keep their saved value.
fn add(store: &ContextStore, flags: &ConnectArgs, args: ContextAddArgs) -> Result<()> {
    let mut settings = store.load_if_exists(&args.name)?.unwrap_or_default();
    let set = |field: &mut String, value: Option<String>| {
        if let Some(value) = value {
            *field = value;
        }
    };
    let set_path = |field: &mut String, value: &Option<std::path::PathBuf>| {
        if let Some(value) = value {
            *field = value.display().to_string();
        }
    };
    set(&mut settings.description, args.description);
    set(&mut settings.url, flags.server.clone());
    set(&mut settings.user, flags.user.clone());
    set(&mut settings.password, flags.password.clone());
    set(&mut settings.token, flags.token.clone());
    set_path(&mut settings.creds, &flags.creds);
    set_path(&mut settings.nkey, &flags.nkey);
    set_path(&mut settings.cert, &flags.tls_cert);
    set_path(&mut settings.key, &flags.tls_key);
    set_path(&mut settings.ca, &flags.tls_ca);
    store.save(&args.name, &settings)?;
    if args.select || store.selected().is_none() {
        store.select(&args.name)?;
    }
    show(store, &args.name)
}

fn list(store: &ContextStore) -> Result<()> {
    let names = store.names()?;
    if names.is_empty() {
        println!("No contexts defined");
        return Ok(());
    }
    let selected = store.selected();
    let width = names.iter().map(String::len).max().unwrap_or(0) + 1;
    println!("Known contexts:\n");
    for name in names {
        let description = store
            .load(&name)
            .map(|settings| settings.description)
            .unwrap_or_default();
        let marker = if selected.as_deref() == Some(name.as_str()) {
            "*"
        } else {
            ""
        };
        let label = format!("{name}{marker}");
        println!(
            "{}",
            format!("   {label:<width$}  {description}").trim_end()
        );
    }
    Ok(())
}

fn show(store: &ContextStore, name: &str) -> Result<()> {
    let settings: ContextSettings = store.load(name)?;
    let or_default = |value: &str, default: &str| {
        if value.is_empty() {
            default.to_string()
        } else {
            value.to_string()
        }
    };
    println!("NATS Configuration Context {name:?}\n");
    if !settings.description.is_empty() {
        println!("      Description: {}", settings.description);
    }
    println!(
        "      Server URLs: {}",
        or_default(&settings.url, DEFAULT_URL)
    );
    let fields = [
        ("Username", settings.user.as_str()),
        ("Credentials", settings.creds.as_str()),
        ("NKey", settings.nkey.as_str()),
        ("Certificate", settings.cert.as_str()),
        ("Key", settings.key.as_str()),
        ("CA", settings.ca.as_str()),
    ];
    for (label, value) in fields {
        if !value.is_empty() {
            println!("{label:>17}: {value}");
        }
    }
    if !settings.password.is_empty() {
        println!("         Password: *********");
    }
    if !settings.token.is_empty() {
        println!("            Token: *********");
    }
    println!("             Path: {}", store.path_of(name)?.display());
    if store.selected().as_deref() == Some(name) {
        println!("         Selected: yes");
    }
    Ok(())
}
