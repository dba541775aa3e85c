"""thriftpy2 imported without its IDL parser (hama_yarn.rpc.thriftlite): nothing a user of thriftpy2
can tell, except that a process that never parses an IDL does not load ply, urllib.request or email."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_rpc_modules_load_without_the_idl_parser():
    out = _run("""
        import sys
        import hama_yarn.rpc.server, hama_yarn.rpc.client, hama_yarn.sync.rpc
        from hama_yarn.rpc.client import preload
        preload()
        from hama_yarn.rpc import thriftlite
        heavy = sorted(m for m in ("ply", "ply.yacc", "urllib.request", "http.client", "email.parser") if m in sys.modules)
        print(thriftlite.is_deferred(), thriftlite.is_deferred("thriftpy2.hook"), heavy)
    """)
    assert out == "True True []"


def test_thriftpy2_parses_and_hooks_as_usual_once_asked(tmp_path: Path):
    idl = tmp_path / "tiny.thrift"
    idl.write_text("struct Point { 1: i32 x, 2: i32 y }\nservice Echo { Point echo(1: Point p) }\n")
    (tmp_path / "other.thrift").write_text("struct Q { 1: string s }\n")
    out = _run(f"""
        import sys
        import hama_yarn.rpc.server
        import thriftpy2
        from hama_yarn.rpc import thriftlite
        assert thriftlite.is_deferred()
        tiny = thriftpy2.load({str(idl)!r}, module_name="tiny_thrift")  # as happybase does
        assert not thriftlite.is_deferred() and not thriftlite.is_deferred("thriftpy2.hook")
        assert thriftpy2.parser is sys.modules["thriftpy2.parser"] and hasattr(thriftpy2.parser, "load_fp")
        from thriftpy2.parser import load_fp
        import thriftpy2.parser.lexer as lexer  # a submodule, through the real package
        with open({str(tmp_path / "other.thrift")!r}) as f:
            other = load_fp(f, "other_thrift")
        thriftpy2.install_import_hook()
        thriftpy2.remove_import_hook()
        print(tiny.Point(x=1, y=2).y, other.Q(s="a").s, lexer.__name__)
    """)
    assert out == "2 a thriftpy2.parser.lexer"


def test_an_attribute_of_a_deferred_module_loads_the_real_one():
    out = _run("""
        import hama_yarn.rpc.server
        import thriftpy2
        from hama_yarn.rpc import thriftlite
        before = thriftlite.is_deferred()
        parse = thriftpy2.parser.parse  # any attribute but the forwarded functions
        print(before, thriftlite.is_deferred(), callable(parse))
    """)
    assert out == "True False True"


def test_no_effect_when_thriftpy2_was_imported_first():
    out = _run("""
        import sys
        import thriftpy2
        import hama_yarn.rpc.server
        from hama_yarn.rpc import thriftlite
        print(thriftlite.is_deferred(), "ply" in sys.modules)
    """)
    assert out == "False True"
