//! The reserved words each language's lexer recognises, sorted for binary search (a test
//! checks the order; SQL's are lower case and matched without regard to case).

pub const JS_KEYWORDS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "of",
    "return",
    "set",
    "static",
    "super",
    "switch",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

pub const TS_KEYWORDS: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "infer",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "namespace",
    "new",
    "of",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "satisfies",
    "set",
    "static",
    "super",
    "switch",
    "throw",
    "try",
    "type",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

pub const JS_LITERALS: &[&str] = &["NaN", "false", "null", "this", "true", "undefined"];

pub const TS_TYPES: &[&str] = &[
    "any", "bigint", "boolean", "never", "number", "object", "string", "symbol", "unknown",
];

pub const PY_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "case", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "match", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
    "yield",
];

pub const PY_LITERALS: &[&str] = &["False", "None", "True", "cls", "self"];

pub const PY_TYPES: &[&str] = &[
    "bool",
    "bytes",
    "dict",
    "float",
    "frozenset",
    "int",
    "list",
    "object",
    "set",
    "str",
    "tuple",
];

pub const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "super", "trait", "type", "unsafe", "use", "where", "while",
];

pub const RUST_LITERALS: &[&str] = &["Self", "false", "self", "true"];

pub const RUST_TYPES: &[&str] = &[
    "bool", "char", "f32", "f64", "i128", "i16", "i32", "i64", "i8", "isize", "str", "u128", "u16",
    "u32", "u64", "u8", "usize",
];

pub const SQL_KEYWORDS: &[&str] = &[
    "add",
    "all",
    "alter",
    "and",
    "as",
    "asc",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "check",
    "commit",
    "constraint",
    "create",
    "cross",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "exists",
    "foreign",
    "from",
    "full",
    "group",
    "having",
    "if",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "left",
    "like",
    "limit",
    "not",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "over",
    "partition",
    "primary",
    "references",
    "returning",
    "right",
    "rollback",
    "select",
    "set",
    "table",
    "then",
    "transaction",
    "union",
    "unique",
    "update",
    "using",
    "values",
    "view",
    "when",
    "where",
    "window",
    "with",
];

pub const SQL_LITERALS: &[&str] = &["false", "null", "true"];

pub const SQL_TYPES: &[&str] = &[
    "bigint",
    "blob",
    "boolean",
    "char",
    "date",
    "decimal",
    "double",
    "float",
    "int",
    "integer",
    "numeric",
    "real",
    "serial",
    "smallint",
    "text",
    "timestamp",
    "varchar",
];

pub const BASH_KEYWORDS: &[&str] = &[
    "case", "declare", "do", "done", "elif", "else", "esac", "export", "fi", "for", "function",
    "if", "in", "local", "readonly", "return", "select", "then", "until", "while",
];

pub const BASH_BUILTINS: &[&str] = &[
    "cd", "echo", "eval", "exec", "exit", "printf", "read", "set", "shift", "source", "test",
    "trap", "unset",
];

pub const JSON_LITERALS: &[&str] = &["false", "null", "true"];

pub const NONE: &[&str] = &[];

/// Whether `word` is in the sorted list `words`.
pub fn contains(words: &[&str], word: &str) -> bool {
    words.binary_search(&word).is_ok()
}

/// Whether `word` is in the sorted lower-case list `words`, in any case.
pub fn contains_any_case(words: &[&str], word: &str) -> bool {
    words
        .binary_search_by(|probe| {
            probe
                .bytes()
                .cmp(word.bytes().map(|b| b.to_ascii_lowercase()))
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_sorted_and_sql_is_lower_case() {
        let lists = [
            JS_KEYWORDS,
            TS_KEYWORDS,
            JS_LITERALS,
            TS_TYPES,
            PY_KEYWORDS,
            PY_LITERALS,
            PY_TYPES,
            RUST_KEYWORDS,
            RUST_LITERALS,
            RUST_TYPES,
            SQL_KEYWORDS,
            SQL_LITERALS,
            SQL_TYPES,
            BASH_KEYWORDS,
            BASH_BUILTINS,
            JSON_LITERALS,
        ];
        for list in lists {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        for list in [SQL_KEYWORDS, SQL_LITERALS, SQL_TYPES] {
            assert!(list.iter().all(|w| *w == w.to_ascii_lowercase()));
        }
        assert!(contains_any_case(SQL_KEYWORDS, "SELECT"));
        assert!(!contains_any_case(SQL_KEYWORDS, "selects"));
    }
}
