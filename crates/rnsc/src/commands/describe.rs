//! `describe operator|account|user|jwt` with nsc's tables, `--json` and `--raw`.

use anyhow::Result;
use rnats_auth::jwt::{
    self, AccountClaims, ActivationClaims, AnyClaims, ExportType, OperatorClaims, Permissions,
    Sampling, UserClaims,
};

use super::output;
use crate::args::{DescribeArgs, DescribeCommand};
use crate::store::{read_jwt_file, Store};
use crate::tables::{bytes, date, limit, true_false, yes_no, Table};

pub(crate) fn describe(store: &Store, args: DescribeArgs) -> Result<()> {
    let (token, claims) = match &args.what {
        DescribeCommand::Operator { name } => {
            let (op_name, _) = store.load_operator()?;
            let op_name = name.clone().unwrap_or(op_name);
            let path = store.operator_dir(&op_name).join(format!("{op_name}.jwt"));
            read_jwt_file(&path)?
        }
        DescribeCommand::Account { name } => {
            let op = store.current_operator()?;
            let account = store.resolve_account(&op, name.as_deref())?;
            let token = store.account_token(&op, &account)?;
            let claims = jwt::decode(&token)?;
            (token, claims)
        }
        DescribeCommand::User { account, name } => {
            let op = store.current_operator()?;
            let account = store.resolve_account(&op, account.as_deref())?;
            let user = store.resolve_user(&op, &account, name.as_deref())?;
            let (_, token) = store.load_user(&op, &account, &user)?;
            let claims = jwt::decode(&token)?;
            (token, claims)
        }
        DescribeCommand::Jwt { file } => read_jwt_file(file)?,
    };
    let text = if args.raw {
        format!("{token}\n")
    } else if args.json {
        format!("{}\n", claims.to_json_pretty())
    } else {
        match &claims {
            AnyClaims::Operator(c) => operator_table(store, c),
            AnyClaims::Account(c) => account_table(store, c),
            AnyClaims::User(c) => user_table(c),
            AnyClaims::Activation(c) => activation_table(c),
            AnyClaims::Generic(_) => format!("{}\n", claims.to_json_pretty()),
        }
    };
    output(args.output_file.as_deref(), &text)
}

fn account_name(store: &Store, key: &str) -> Option<String> {
    let op = store.current_operator().ok()?;
    store.find_account(&op, key).map(|(n, _)| n)
}

pub(crate) fn operator_table(store: &Store, op: &OperatorClaims) -> String {
    let mut t = Table::new("Operator Details");
    t.kv("Name", &op.name);
    t.kv("Operator ID", &op.sub);
    t.kv("Issuer ID", &op.iss);
    t.kv("Issued", date(op.iat));
    t.kv("Expires", date(op.exp));
    if !op.nats.generic.tags.is_empty() {
        t.kv("Tags", op.nats.generic.tags.join(", "));
    }
    if !op.nats.account_server_url.is_empty() {
        t.kv("Account JWT Server", &op.nats.account_server_url);
    }
    for url in &op.nats.operator_service_urls {
        t.kv("Operator Service URLs", url);
    }
    if !op.nats.system_account.is_empty() {
        let name = account_name(store, &op.nats.system_account).unwrap_or_default();
        t.kv(
            "System Account",
            format!("{} / {name}", op.nats.system_account),
        );
    }
    t.kv(
        "Require Signing Keys",
        op.nats.strict_signing_key_usage.to_string(),
    );
    if !op.nats.signing_keys.is_empty() {
        t.separator();
        for (i, k) in op.nats.signing_keys.iter().enumerate() {
            t.kv(if i == 0 { "Signing Keys" } else { "" }, k);
        }
    }
    t.render()
}

fn permission_rows(t: &mut Table, p: &Permissions) {
    let rows = [
        ("Pub Allow", &p.publish.allow),
        ("Pub Deny", &p.publish.deny),
        ("Sub Allow", &p.subscribe.allow),
        ("Sub Deny", &p.subscribe.deny),
    ];
    for (label, list) in rows {
        for (i, s) in list.iter().enumerate() {
            t.kv(if i == 0 { label } else { "" }, s);
        }
    }
    match &p.resp {
        None => t.kv("Response Permissions", "Not Set"),
        Some(r) => {
            t.kv("Max Responses", r.max);
            t.kv(
                "Response Permission TTL",
                format!("{}s", r.ttl as f64 / 1e9),
            );
        }
    }
}

pub(crate) fn account_table(store: &Store, a: &AccountClaims) -> String {
    let n = &a.nats;
    let mut t = Table::new("Account Details");
    t.kv("Name", &a.name);
    t.kv("Account ID", &a.sub);
    t.kv("Issuer ID", &a.iss);
    t.kv("Issued", date(a.iat));
    t.kv("Expires", date(a.exp));
    if !n.generic.tags.is_empty() {
        t.kv("Tags", n.generic.tags.join(", "));
    }
    if !n.description.is_empty() || !n.info_url.is_empty() {
        t.separator();
        t.kv("Description", &n.description);
        t.kv("Info Url", &n.info_url);
    }
    if !n.signing_keys.is_empty() {
        t.separator();
        for (i, k) in n.signing_keys.keys().enumerate() {
            t.kv(if i == 0 { "Signing Keys" } else { "" }, k);
        }
    }
    t.separator();
    let l = &n.limits;
    t.kv("Max Connections", limit(l.conn));
    t.kv(
        "Max Leaf Node Connections",
        if l.leaf == 0 {
            "Not Allowed".to_string()
        } else {
            limit(l.leaf)
        },
    );
    t.kv("Max Data", bytes(l.data));
    t.kv("Max Exports", limit(l.exports));
    t.kv("Max Imports", limit(l.imports));
    t.kv("Max Msg Payload", bytes(l.payload));
    t.kv("Max Subscriptions", limit(l.subs));
    t.kv("Exports Allows Wildcards", true_false(l.wildcards));
    t.kv("Disallow Bearer Token", true_false(l.disallow_bearer));
    let p = &n.default_permissions;
    if !p.publish.is_empty() || !p.subscribe.is_empty() {
        t.separator();
    }
    permission_rows(&mut t, p);
    t.separator();
    if l.jetstream_enabled() {
        t.kv("Jetstream", "Enabled");
        let js = &l.jetstream;
        t.kv("Max Disk Storage", bytes(js.disk_storage));
        t.kv("Max Mem Storage", bytes(js.mem_storage));
        t.kv("Max Streams", limit(js.streams));
        t.kv("Max Consumers", limit(js.consumer));
    } else {
        t.kv("Jetstream", "Disabled");
    }
    t.separator();
    if n.imports.is_empty() {
        t.kv("Imports", "None");
    }
    if n.exports.is_empty() {
        t.kv("Exports", "None");
    }
    if !n.revocations.is_empty() {
        t.kv("Revocations", n.revocations.len());
    }
    t.separator();
    t.kv(
        "Tracing Context",
        if n.trace.is_some() {
            "Enabled"
        } else {
            "Disabled"
        },
    );
    let mut out = t.render();

    if !n.exports.is_empty() {
        let mut e = Table::new("Exports").headers(&[
            "Name",
            "Type",
            "Subject",
            "Account Token Position",
            "Public",
            "Revocations",
            "Tracking",
            "Allow Trace",
        ]);
        for x in &n.exports {
            let kind = match (x.export_type, x.response_type.as_str()) {
                (ExportType::Service, "Stream") => "Service [Stream]".to_string(),
                (ExportType::Service, "Chunked") => "Service [Chunked]".to_string(),
                (ExportType::Service, _) => "Service".to_string(),
                _ => "Stream".to_string(),
            };
            let position = if x.account_token_position == 0 {
                "-".to_string()
            } else {
                x.account_token_position.to_string()
            };
            let tracking = match (&x.export_type, &x.latency) {
                (ExportType::Stream, _) => "N/A".to_string(),
                (_, None) => "-".to_string(),
                (_, Some(l)) => match l.sampling {
                    Sampling::Headers => format!("{} (headers)", l.results),
                    Sampling::Percent(p) => format!("{} ({p}%)", l.results),
                },
            };
            e.row(&[
                x.name.clone(),
                kind,
                x.subject.clone(),
                position,
                yes_no(!x.token_req).to_string(),
                x.revocations.len().to_string(),
                tracking,
                if x.export_type == ExportType::Stream {
                    "N/A".to_string()
                } else {
                    yes_no(x.allow_trace).to_string()
                },
            ]);
        }
        out.push('\n');
        out.push_str(&e.render());
    }
    if !n.imports.is_empty() {
        let mut im = Table::new("Imports").headers(&[
            "Name",
            "Type",
            "Remote",
            "Local",
            "Expires",
            "From Account",
            "Public",
            "Allow Trace",
        ]);
        for i in &n.imports {
            let expires = jwt::decode_activation(&i.token)
                .map(|a| date(a.exp))
                .unwrap_or_default();
            let from = account_name(store, &i.account).unwrap_or_else(|| i.account.clone());
            im.row(&[
                i.name.clone(),
                if i.import_type == ExportType::Service {
                    "Service".into()
                } else {
                    "Stream".to_string()
                },
                i.subject.clone(),
                i.local_subject.clone(),
                expires,
                from,
                yes_no(i.token.is_empty()).to_string(),
                if i.import_type == ExportType::Stream {
                    yes_no(i.allow_trace).to_string()
                } else {
                    "N/A".to_string()
                },
            ]);
        }
        out.push('\n');
        out.push_str(&im.render());
    }
    if !n.mappings.is_empty() {
        let mut m = Table::new("Mappings").headers(&["From", "To", "Weight (%)"]);
        for (from, to) in &n.mappings {
            let mut sum = 0u32;
            for w in to {
                let weight = if w.weight == 0 { 100 } else { w.weight };
                sum += u32::from(weight);
                m.row(&[from.clone(), w.subject.clone(), weight.to_string()]);
            }
            m.row(&[String::new(), String::new(), format!("sum={sum}")]);
        }
        out.push('\n');
        out.push_str(&m.render());
    }
    for scope in n.signing_keys.0.values().flatten() {
        let mut s = Table::new("Scoped Signing Key - Details");
        s.kv("Key", &scope.key);
        s.kv("Role", &scope.role);
        s.kv("Description", &scope.description);
        permission_rows(&mut s, &scope.template.permissions());
        limit_rows(&mut s, &scope.template);
        s.kv("Bearer Token", yes_no(scope.template.bearer_token));
        out.push('\n');
        out.push_str(&s.render());
    }
    out
}

fn limit_rows(t: &mut Table, l: &jwt::UserPermissionLimits) {
    let user_limit = |n: i64| {
        if n <= 0 {
            "Unlimited".to_string()
        } else {
            n.to_string()
        }
    };
    let user_bytes = |n: i64| {
        if n <= 0 {
            "Unlimited".to_string()
        } else {
            bytes(n)
        }
    };
    t.kv("Max Msg Payload", user_bytes(l.payload));
    t.kv("Max Data", user_bytes(l.data));
    t.kv("Max Subs", user_limit(l.subs));
    t.kv(
        "Network Src",
        if l.src.is_empty() {
            "Any".to_string()
        } else {
            l.src.join(", ")
        },
    );
    if l.times.is_empty() {
        t.kv("Time", "Any");
    } else {
        for (i, r) in l.times.iter().enumerate() {
            t.kv(
                if i == 0 { "Time" } else { "" },
                format!("{}-{}", r.start, r.end),
            );
        }
    }
    if !l.allowed_connection_types.is_empty() {
        t.kv(
            "Allowed Connection Types",
            l.allowed_connection_types.join(", "),
        );
    }
}

pub(crate) fn user_table(u: &UserClaims) -> String {
    let mut t = Table::new("User");
    t.kv("Name", &u.name);
    t.kv("User ID", &u.sub);
    t.kv("Issuer ID", &u.iss);
    if !u.nats.issuer_account.is_empty() {
        t.kv("Issuer Account", &u.nats.issuer_account);
    }
    t.kv("Issued", date(u.iat));
    t.kv("Expires", date(u.exp));
    if !u.nats.generic.tags.is_empty() {
        t.kv("Tags", u.nats.generic.tags.join(", "));
    }
    t.kv("Bearer Token", yes_no(u.nats.limits.bearer_token));
    permission_rows(&mut t, &u.nats.limits.permissions());
    t.separator();
    limit_rows(&mut t, &u.nats.limits);
    t.render()
}

fn activation_table(a: &ActivationClaims) -> String {
    let mut t = Table::new("Activation");
    t.kv("Name", &a.name);
    t.kv("Account ID", &a.sub);
    t.kv("Issuer ID", &a.iss);
    if !a.nats.issuer_account.is_empty() {
        t.kv("Issuer Account", &a.nats.issuer_account);
    }
    t.kv("Issued", date(a.iat));
    t.kv("Expires", date(a.exp));
    t.separator();
    t.kv(
        "Hash ID",
        jwt::activation_hash_id(&a.iss, &a.sub, &a.nats.import_subject),
    );
    t.separator();
    t.kv(
        "Import Type",
        if a.nats.import_type == ExportType::Service {
            "Service"
        } else {
            "Stream"
        },
    );
    t.kv("Import Subject", &a.nats.import_subject);
    t.render()
}
