#!/usr/bin/env python3
"""DLMS/COSEM client for compteur's interoperability tests, built on gurux-dlms.

The protocol logic (HDLC link, AARQ/AARE, HLS-GMAC, GET with block transfer,
selective access, ciphering) is the Gurux DLMS library for Python
(``gurux-dlms``, installed from PyPI), used as an independent peer. This
script supplies a plain TCP transport (HDLC frames over a TCP stream) and
turns the decoded values into JSON lines on stdout:

    {"class": 3, "obis": "1-0:1.8.0*255", "attribute": 2, "value": 482939}
    ...
    {"kind": "done", "elapsed_s": 0.123, ...}

On any failure one line ``{"kind": "error", "error": "..."}`` is printed and
the exit code is 1.
"""

import argparse
import datetime
import json
import re
import socket
import sys
import time

try:
    from gurux_dlms import GXByteBuffer, GXDateTime, GXDLMSClient, GXReplyData
    from gurux_dlms.enums import Authentication, DataType, InterfaceType, ObjectType, Security
    from gurux_dlms.GXDLMSException import GXDLMSException
    from gurux_dlms.objects import GXDLMSProfileGeneric
    from gurux_dlms.secure import GXDLMSSecureClient
except ImportError as exc:  # pragma: no cover - environment problem
    print(json.dumps({"kind": "error", "error": "gurux_dlms is not installed: %s" % exc}), flush=True)
    sys.exit(1)

GREEN_BOOK_BLOCK_CIPHER_KEY = "000102030405060708090A0B0C0D0E0F"
GREEN_BOOK_AUTHENTICATION_KEY = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
GREEN_BOOK_CLIENT_SYSTEM_TITLE = "4D4D4D0000000001"

AUTHS = {
    "none": Authentication.NONE,
    "low": Authentication.LOW,
    "high-gmac": Authentication.HIGH_GMAC,
}
SECURITIES = {
    "none": Security.NONE,
    "auth": Security.AUTHENTICATION,
    "enc": Security.ENCRYPTION,
    "auth-enc": Security.AUTHENTICATION_ENCRYPTION,
}

# (class id, attribute) pairs whose octet-string is a COSEM date-time.
DATETIME_ATTRIBUTES = {(8, 2), (8, 5), (8, 6)}


class ClientError(Exception):
    pass


# ---------------------------------------------------------------------------
# OBIS and value formatting
# ---------------------------------------------------------------------------

_OBIS_RE = re.compile(r"^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:[*&](\d+))?$")
_DOTTED_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)\.(\d+)\.(\d+)\.(\d+)$")


def parse_obis(text):
    """'1-0:1.8.0*255', '1-0:1.8.0' or '1.0.1.8.0.255' -> dotted Gurux form."""
    m = _OBIS_RE.match(text.strip())
    if m:
        parts = [int(x) for x in m.groups()[:5]] + [int(m.group(6)) if m.group(6) is not None else 255]
    else:
        m = _DOTTED_RE.match(text.strip())
        if not m:
            raise ClientError("invalid OBIS code: %r" % text)
        parts = [int(x) for x in m.groups()]
    if any(p > 255 for p in parts):
        raise ClientError("invalid OBIS code: %r" % text)
    return ".".join(str(p) for p in parts)


def format_obis(dotted):
    p = [int(x) for x in str(dotted).split(".")]
    return "%d-%d:%d.%d.%d*%d" % tuple(p)


def iso(value):
    """GXDateTime -> ISO 8601 text."""
    dt = value.value if isinstance(value, GXDateTime) else value
    return dt.isoformat()


def to_datetime(raw):
    """Decode a COSEM date-time octet-string with Gurux; ISO text or hex."""
    if isinstance(raw, GXDateTime):
        return iso(raw)
    if isinstance(raw, (bytes, bytearray)) and len(raw) == 12:
        try:
            return iso(GXDLMSClient.changeType(bytearray(raw), DataType.DATETIME))
        except Exception:  # noqa: BLE001 - fall back to hex for odd values
            return bytes(raw).hex().upper()
    return jsonable(raw)


def jsonable(v):
    """Gurux decoded value -> JSON-friendly value."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return v
    if isinstance(v, (bytes, bytearray)):
        b = bytes(v)
        if b and all(0x20 <= c < 0x7F for c in b):
            return b.decode("ascii")
        return b.hex().upper()
    if isinstance(v, GXDateTime):
        return iso(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "value") and not callable(v.value):  # GXEnum, GXUInt8, ...
        return jsonable(v.value)
    try:
        return int(v)
    except (TypeError, ValueError):
        return str(v)


# ---------------------------------------------------------------------------
# HDLC over TCP transport
# ---------------------------------------------------------------------------

def split_frames(buf):
    """Take complete HDLC frames out of ``buf`` (bytearray, consumed)."""
    frames = []
    while True:
        start = buf.find(b"\x7e")
        if start < 0:
            del buf[:]
            break
        if start:
            del buf[:start]
        if len(buf) < 3:
            break
        if buf[1] == 0x7E:
            del buf[:1]
            continue
        length = ((buf[1] & 0x07) << 8) | buf[2]
        if length < 5:
            del buf[:1]
            continue
        total = length + 2
        if len(buf) < total:
            break
        frame = bytes(buf[:total])
        if frame[-1] != 0x7E:
            del buf[:1]
            continue
        frames.append(frame)
        del buf[:total]
    return frames


class Link:
    def __init__(self, host, port, timeout, wire_log=None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.buf = bytearray()
        self.pending = []
        self.wire = open(wire_log, "a") if wire_log else None

    def _log(self, direction, frame):
        if self.wire:
            self.wire.write(json.dumps({"dir": direction, "hex": frame.hex().upper()}) + "\n")

    def send(self, data):
        data = bytes(data)
        self._log("C->S", data)
        self.sock.sendall(data)

    def recv_frame(self):
        while not self.pending:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                raise ClientError("timeout waiting for a frame from the meter")
            if not chunk:
                raise ClientError("connection closed by the meter")
            self.buf += chunk
            self.pending.extend(split_frames(self.buf))
        frame = self.pending.pop(0)
        self._log("S->C", frame)
        return frame

    def close(self):
        try:
            self.sock.close()
        finally:
            if self.wire:
                self.wire.close()


# ---------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------

class Session:
    def __init__(self, args):
        self.args = args
        server_address = GXDLMSClient.getServerAddress(args.logical, args.physical)
        password = args.password.encode() if args.auth == "low" else None
        self.client = GXDLMSSecureClient(
            True, args.client, server_address, AUTHS[args.auth], password, InterfaceType.HDLC
        )
        if args.max_info:
            self.client.hdlcSettings.maxInfoTX = args.max_info
            self.client.hdlcSettings.maxInfoRX = args.max_info
        if args.max_pdu:
            self.client.maxReceivePDUSize = args.max_pdu
        c = self.client.ciphering
        c.security = SECURITIES[args.security]
        c.systemTitle = bytearray.fromhex(args.client_system_title)
        c.blockCipherKey = bytearray.fromhex(args.block_cipher_key)
        c.authenticationKey = bytearray.fromhex(args.authentication_key)
        c.invocationCounter = args.invocation_counter
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise ClientError("--tcp must be HOST:PORT")
        self.link = Link(host, int(port), args.timeout, args.wire_log)

    # Send one request and collect its complete (possibly segmented /
    # block-transferred) answer into ``reply``.
    def exchange(self, data, reply):
        if data is not None:
            self.link.send(data)
        notify = GXReplyData()
        rd = GXByteBuffer()
        while True:
            rd.set(self.link.recv_frame())
            if self.client.getData(rd, reply, notify):
                break
        if reply.error != 0:
            raise GXDLMSException(reply.error)

    def request(self, frames):
        """Send a request (list of frames) and follow HDLC/DLMS continuation."""
        reply = GXReplyData()
        if not isinstance(frames, list):
            frames = [frames]
        for frame in frames:
            reply.clear()
            self.exchange(frame, reply)
            while reply.isMoreData():
                if reply.isStreaming():
                    data = None
                else:
                    data = self.client.receiverReady(reply)
                self.exchange(data, reply)
        return reply

    def connect(self):
        reply = GXReplyData()
        self.exchange(self.client.snrmRequest(), reply)
        self.client.parseUAResponse(reply.data)
        reply = self.request(self.client.aarqRequest())
        self.client.parseAareResponse(reply.data)
        if self.client.isAuthenticationRequired:
            reply = self.request(self.client.getApplicationAssociationRequest())
            self.client.parseApplicationAssociationResponse(reply.data)

    def release(self):
        frames = self.client.releaseRequest()
        if frames:
            self.request(frames)
        frame = self.client.disconnectRequest()
        if frame:
            reply = GXReplyData()
            self.exchange(frame, reply)

    def close(self):
        self.link.close()

    # --- reads -----------------------------------------------------------

    def read_attribute(self, class_id, ln, attribute):
        obj = GXDLMSClient.createObject(ObjectType(class_id))
        obj.logicalName = ln
        reply = self.request(self.client.read(obj, attribute))
        raw = reply.value
        if (class_id, attribute) in DATETIME_ATTRIBUTES:
            value = to_datetime(raw)
        elif class_id in (3, 4) and attribute == 3 and isinstance(raw, list) and len(raw) == 2:
            value = {"scaler": jsonable(raw[0]), "unit": jsonable(raw[1])}
        elif class_id == 7 and attribute == 3:
            value = capture_objects_json(raw)
        else:
            value = jsonable(raw)
        return {"class": class_id, "obis": format_obis(ln), "attribute": attribute, "value": value}

    def read_object_list(self):
        reply = self.request(self.client.getObjectsRequest())
        objects = self.client.parseObjects(reply.data, False, False)
        out = []
        for o in objects:
            out.append({"class": int(o.objectType), "version": int(o.version), "obis": format_obis(o.logicalName)})
        return {"class": 15, "obis": "0-0:40.0.0*255", "attribute": 2, "value": out}

    def read_profile(self, ln, rows_from, rows_to, entries):
        pg = GXDLMSProfileGeneric(ln)
        reply = self.request(self.client.read(pg, 3))
        self.client.updateValue(pg, 3, reply.value)
        columns = capture_objects_json(reply.value)
        yield {"class": 7, "obis": format_obis(ln), "attribute": 3, "value": columns}
        line = {"class": 7, "obis": format_obis(ln), "attribute": 2}
        if rows_from is not None:
            frames = self.client.readRowsByRange(pg, rows_from, rows_to)
            line["selector"] = 1
        elif entries is not None:
            first, last = entries
            frames = self.client.readRowsByEntry(pg, first, last - first + 1)
            line["selector"] = 2
        else:
            frames = self.client.read(pg, 2)
        reply = self.request(frames)
        rows = reply.value or []
        dt_cols = [i for i, c in enumerate(columns) if (c["class"], c["attribute"]) in DATETIME_ATTRIBUTES]
        out = []
        for row in rows:
            cells = list(row)
            for i in dt_cols:
                if i < len(cells):
                    cells[i] = to_datetime(cells[i])
            out.append([c if isinstance(c, str) and i in dt_cols else jsonable(c) for i, c in enumerate(cells)])
        line["rows"] = len(out)
        line["value"] = out
        yield line


def capture_objects_json(raw):
    out = []
    for it in raw or []:
        it = list(it)
        out.append({
            "class": jsonable(it[0]),
            "obis": format_obis(".".join(str(b) for b in bytes(it[1]))),
            "attribute": jsonable(it[2]),
            "data_index": jsonable(it[3]),
        })
    return out


def parse_read(text):
    parts = text.split("/")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        raise ClientError("--read expects CLASS/OBIS/ATTR, got %r" % text)
    return int(parts[0]), parse_obis(parts[1]), int(parts[2])


def parse_iso(text):
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ClientError("invalid ISO 8601 date-time: %r" % text)
    return dt


def parse_entries(text):
    m = re.match(r"^(\d+)\.\.(\d+)$", text)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < int(m.group(1)):
        raise ClientError("--entries expects A..B with 1 <= A <= B, got %r" % text)
    return int(m.group(1)), int(m.group(2))


_OUT = sys.stdout


class _Discard:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def emit(obj):
    _OUT.write(json.dumps(obj, separators=(",", ":")) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Read a DLMS/COSEM meter over HDLC-over-TCP with the gurux-dlms client; JSON lines on stdout.",
    )
    p.add_argument("--tcp", required=True, help="meter address HOST:PORT")
    p.add_argument("--client", type=int, default=16, help="client SAP (default 16, public)")
    p.add_argument("--logical", type=int, default=1, help="server logical address (default 1)")
    p.add_argument("--physical", type=int, default=17, help="server physical address (default 17)")
    p.add_argument("--auth", choices=sorted(AUTHS), default="none", help="authentication mechanism (default none)")
    p.add_argument("--password", default="12345678", help="LLS password (default %(default)s)")
    p.add_argument("--security", choices=sorted(SECURITIES), default="none",
                   help="ciphering of xDLMS APDUs (default none)")
    p.add_argument("--block-cipher-key", default=GREEN_BOOK_BLOCK_CIPHER_KEY, help="hex, Green Book default")
    p.add_argument("--authentication-key", default=GREEN_BOOK_AUTHENTICATION_KEY, help="hex, Green Book default")
    p.add_argument("--client-system-title", default=GREEN_BOOK_CLIENT_SYSTEM_TITLE, help="hex, Green Book default")
    p.add_argument("--invocation-counter", type=int, default=1, help="first invocation counter (default 1)")
    p.add_argument("--read", action="append", default=[], metavar="CLASS/OBIS/ATTR",
                   help="read one attribute, e.g. 3/1-0:1.8.0/2 (repeatable)")
    p.add_argument("--object-list", action="store_true", help="read the association's object list (0-0:40.0.0 attr 2)")
    p.add_argument("--profile", metavar="OBIS", help="read a profile generic's capture objects and buffer")
    p.add_argument("--rows-from", metavar="ISO", help="selective access by range: first time stamp")
    p.add_argument("--rows-to", metavar="ISO", help="selective access by range: last time stamp")
    p.add_argument("--entries", metavar="A..B", help="selective access by entry (1-based, inclusive)")
    p.add_argument("--repeat", type=int, default=1, help="repeat the read set N times in one association")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each frame (default 10)")
    p.add_argument("--max-info", type=int, help="propose this HDLC max information field length (tx and rx)")
    p.add_argument("--max-pdu", type=int, help="client max receive PDU size proposed in the AARQ")
    p.add_argument("--wire-log", help="append every HDLC frame as a JSON line {dir, hex} to this file")
    p.add_argument("--verbose", action="store_true", help="let the library's own prints through to stderr")
    args = p.parse_args(argv)
    # gurux-dlms prints progress text ("Encryption is applied.") on stdout;
    # keep stdout for the JSON lines only.
    sys.stdout = sys.stderr if args.verbose else _Discard()

    started = time.perf_counter()
    session = None
    try:
        if (args.rows_from is None) != (args.rows_to is None):
            raise ClientError("--rows-from and --rows-to go together")
        if args.entries and args.rows_from:
            raise ClientError("use either --rows-from/--rows-to or --entries")
        if (args.entries or args.rows_from) and not args.profile:
            raise ClientError("--rows-from/--rows-to/--entries need --profile")
        if args.repeat < 1:
            raise ClientError("--repeat must be >= 1")
        reads = [parse_read(r) for r in args.read]
        profile = parse_obis(args.profile) if args.profile else None
        rows_from = parse_iso(args.rows_from) if args.rows_from else None
        rows_to = parse_iso(args.rows_to) if args.rows_to else None
        entries = parse_entries(args.entries) if args.entries else None

        session = Session(args)
        session.connect()
        associated = time.perf_counter()
        count = 0
        for _ in range(args.repeat):
            for class_id, ln, attr in reads:
                emit(session.read_attribute(class_id, ln, attr))
                count += 1
            if args.object_list:
                emit(session.read_object_list())
                count += 1
            if profile:
                for line in session.read_profile(profile, rows_from, rows_to, entries):
                    emit(line)
                    count += 1
        read_done = time.perf_counter()
        session.release()
        session.close()
        session = None
        end = time.perf_counter()
        emit({
            "kind": "done",
            "elapsed_s": round(end - started, 6),
            "associate_s": round(associated - started, 6),
            "reads_s": round(read_done - associated, 6),
            "release_s": round(end - read_done, 6),
            "reads": count,
            "repeat": args.repeat,
        })
        _OUT.flush()
        return 0
    except Exception as exc:  # noqa: BLE001 - every failure becomes one JSON line
        msg = str(exc) or exc.__class__.__name__
        emit({"kind": "error", "error": "%s: %s" % (exc.__class__.__name__, msg.strip())})
        _OUT.flush()
        if session is not None:
            try:
                session.close()
            except OSError:
                pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
