#!/usr/bin/env python3
"""Deterministic DLMS/COSEM meter simulator for compteur's interoperability tests.

The DLMS server logic (association control, GET with block transfer, HLS-GMAC
challenge handling, ciphering) is the Gurux DLMS library for Python
(``gurux-dlms``, installed from PyPI), used here as an independent peer. This
script supplies the object model and the TCP transport, and works around the
defects of that library's server side (overrides in subclasses, small accessor
shims and three replaced library functions; each is listed in
tests/interop/README.md, "Known peer defects").

Transport: HDLC (IEC 62056-46) frames carried directly over a TCP stream on
127.0.0.1. One client connection is served at a time; after it closes the next
one is accepted. Every connection gets a fresh server instance.

The first line printed on stdout is a JSON object::

    {"kind": "ready", "tcp": "127.0.0.1:PORT", "clients": {...}, ...}

after which the meter serves until it receives SIGTERM or SIGINT.
"""

import argparse
import datetime
import json
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import traceback

try:
    from gurux_dlms import GXByteBuffer, GXDateTime
    from gurux_dlms._GXAPDU import _GXAPDU
    from gurux_dlms.AesGcmParameter import AesGcmParameter
    from gurux_dlms.ConnectionState import ConnectionState
    from gurux_dlms.enums import (
        Authentication,
        Conformance,
        InterfaceType,
        ObjectType,
        SourceDiagnostic,
    )
    from gurux_dlms.enums.AccessMode import AccessMode
    from gurux_dlms.enums.Command import Command
    from gurux_dlms.enums.ErrorCode import ErrorCode
    from gurux_dlms.enums.MethodAccessMode import MethodAccessMode
    from gurux_dlms.enums.RequestTypes import RequestTypes
    from gurux_dlms.GXCiphering import GXCiphering
    from gurux_dlms.GXDLMS import GXDLMS
    from gurux_dlms.GXDLMSLongTransaction import GXDLMSLongTransaction
    from gurux_dlms.GXDLMSSettings import GXDLMSSettings
    from gurux_dlms.GXSecure import GXSecure
    from gurux_dlms.GXServerReply import GXServerReply
    from gurux_dlms.objects import (
        GXDLMSAssociationLogicalName,
        GXDLMSClock,
        GXDLMSData,
        GXDLMSProfileGeneric,
        GXDLMSRegister,
    )
    from gurux_dlms.objects.enums.AssociationStatus import AssociationStatus
    from gurux_dlms.secure import GXDLMSSecureServer
    from gurux_dlms.ValueEventArgs import ValueEventArgs
except ImportError as exc:  # pragma: no cover - environment problem
    print(json.dumps({"kind": "error", "error": "gurux_dlms is not installed: %s" % exc}), flush=True)
    sys.exit(1)


# ---------------------------------------------------------------------------
# Fixed data model. Every value here is documented in tests/interop/README.md.
# ---------------------------------------------------------------------------

SERVER_LOGICAL = 1
SERVER_PHYSICAL = 17

# Green Book (DLMS UA 1000-2) HLS example with mechanism 5 (GMAC), Table
# "HLS example using authentication-mechanism 5 with GMAC".
GREEN_BOOK_BLOCK_CIPHER_KEY = "000102030405060708090A0B0C0D0E0F"
GREEN_BOOK_AUTHENTICATION_KEY = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
GREEN_BOOK_SERVER_SYSTEM_TITLE = "4D4D4D0000BC614E"
GREEN_BOOK_CLIENT_SYSTEM_TITLE = "4D4D4D0000000001"

DEFAULT_PASSWORD = "12345678"

# client SAP -> (accepted authentication mechanisms, access)
CLIENTS = {
    16: {"name": "public", "auth": ["none"], "access": "read-only"},
    1: {"name": "management", "auth": ["low", "high-gmac"], "access": "read-write"},
    2: {"name": "management-lls", "auth": ["low"], "access": "read-write"},
    3: {"name": "management-hls", "auth": ["high-gmac"], "access": "read-write"},
}

AUTH_NAMES = {
    Authentication.NONE: "none",
    Authentication.LOW: "low",
    Authentication.HIGH_GMAC: "high-gmac",
}

# Clock: 2026-05-04 (Monday) 11:39:20.00, deviation -120 min, status 0x80 (DST).
CLOCK_TIME = datetime.datetime(2026, 5, 4, 11, 39, 20)
CLOCK_DEVIATION = -120
CLOCK_STATUS = 0x80

SERIAL_NUMBER = b"1909113"
LOGICAL_DEVICE_NAME = b"LGZ1030653520967"

# DLMS unit codes (Blue Book table "Enumerated values for physical units").
U_W, U_VAR, U_WH, U_VARH, U_A, U_V, U_HZ, U_NONE = 27, 29, 30, 32, 33, 35, 44, 255

# A-XDR tags used below.
T_LONG, T_DLU, T_LU = 0x10, 0x06, 0x12

# (OBIS, A-XDR type tag, value, scaler, unit)
REGISTERS = [
    ("1.0.1.8.0.255", T_DLU, 482939, 0, U_WH),   # active energy import, total
    ("1.0.2.8.0.255", T_DLU, 120573, 0, U_WH),   # active energy export, total
    ("1.0.1.8.1.255", T_DLU, 301122, 0, U_WH),   # active energy import, tariff 1
    ("1.0.1.8.2.255", T_DLU, 181817, 0, U_WH),   # active energy import, tariff 2
    ("1.0.3.8.0.255", T_DLU, 53211, 0, U_VARH),  # reactive energy import (Q+)
    ("1.0.4.8.0.255", T_DLU, 17402, 0, U_VARH),  # reactive energy export (Q-)
    ("1.0.1.7.0.255", T_DLU, 1873, 0, U_W),      # active power import
    ("1.0.2.7.0.255", T_DLU, 0, 0, U_W),         # active power export
    ("1.0.32.7.0.255", T_LU, 2301, -1, U_V),     # voltage L1  -> 230.1 V
    ("1.0.52.7.0.255", T_LU, 2298, -1, U_V),     # voltage L2  -> 229.8 V
    ("1.0.72.7.0.255", T_LU, 2315, -1, U_V),     # voltage L3  -> 231.5 V
    ("1.0.31.7.0.255", T_LU, 412, -2, U_A),      # current L1  -> 4.12 A
    ("1.0.51.7.0.255", T_LU, 187, -2, U_A),      # current L2  -> 1.87 A
    ("1.0.71.7.0.255", T_LU, 259, -2, U_A),      # current L3  -> 2.59 A
    ("1.0.13.7.0.255", T_LONG, 987, -3, U_NONE), # power factor -> 0.987
    ("1.0.14.7.0.255", T_LU, 5001, -2, U_HZ),    # frequency   -> 50.01 Hz
]

PROFILE_LN = "1.0.99.1.0.255"
PROFILE_START = datetime.datetime(2026, 4, 4, 0, 0, 0)
PROFILE_PERIOD_S = 900
PROFILE_DEFAULT_ROWS = 2880


def profile_row(i):
    """Row i of the load profile: (local time, import Wh, export Wh)."""
    return (
        PROFILE_START + datetime.timedelta(seconds=PROFILE_PERIOD_S * i),
        1000 + 123 * i,
        10 * i,
    )


# ---------------------------------------------------------------------------
# A-XDR encoding helpers (our own; the wire bytes are fixed by the model above)
# ---------------------------------------------------------------------------

def cosem_datetime(dt, deviation=CLOCK_DEVIATION, status=CLOCK_STATUS):
    """12-byte COSEM date-time (hundredths 0)."""
    dev = 0x8000 if deviation is None else deviation & 0xFFFF
    return struct.pack(
        ">HBBBBBBBHB",
        dt.year, dt.month, dt.day, dt.isoweekday(),
        dt.hour, dt.minute, dt.second, 0,
        dev, status,
    )


def parse_cosem_datetime(raw):
    """Return (naive local datetime, deviation or None) or None if unusable."""
    if len(raw) != 12:
        return None
    year, month, day, _dow, hour, minute, second, _hs, dev, _st = struct.unpack(">HBBBBBBBHB", raw)
    if year == 0xFFFF or month in (0xFF, 0xFD, 0xFE) or day in (0xFF, 0xFD, 0xFE):
        return None
    hour = 0 if hour == 0xFF else hour
    minute = 0 if minute == 0xFF else minute
    second = 0 if second == 0xFF else second
    try:
        local = datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    deviation = None if dev == 0x8000 else (dev - 0x10000 if dev & 0x8000 else dev)
    return local, deviation


def axdr_length(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    if n < 0x10000:
        return bytes([0x82]) + struct.pack(">H", n)
    return bytes([0x84]) + struct.pack(">I", n)


def axdr_octets(b):
    return b"\x09" + axdr_length(len(b)) + b


def axdr_int(tag, value):
    fmt = {0x10: ">h", 0x12: ">H", 0x06: ">I", 0x05: ">i", 0x0F: ">b", 0x11: ">B", 0x16: ">B"}[tag]
    return bytes([tag]) + struct.pack(fmt, value)


def scaler_unit(scaler, unit):
    return b"\x02\x02" + axdr_int(0x0F, scaler) + axdr_int(0x16, unit)


def encode_profile_rows(rows):
    out = bytearray(b"\x01")
    out += axdr_length(len(rows))
    for i in rows:
        t, imp, exp = profile_row(i)
        out += b"\x02\x03"
        out += axdr_octets(cosem_datetime(t))
        out += axdr_int(T_DLU, imp)
        out += axdr_int(T_DLU, exp)
    return bytes(out)


def _obis_bytes(ln):
    return bytes(int(x) for x in ln.split("."))


# ---------------------------------------------------------------------------
# COSEM objects whose value attributes are served as fixed A-XDR bytes.
# ---------------------------------------------------------------------------

class _RawValues:
    """Mixin: attributes listed in ``raw`` are answered with exact bytes."""

    raw = None

    def getValue(self, settings, e):
        raw = self.raw.get(e.index) if self.raw else None
        if raw is not None:
            e.byteArray = True
            return raw() if callable(raw) else raw
        return super().getValue(settings, e)


class RawClock(_RawValues, GXDLMSClock):
    pass


class RawData(_RawValues, GXDLMSData):
    pass


class RawRegister(_RawValues, GXDLMSRegister):
    pass


class LoadProfile(_RawValues, GXDLMSProfileGeneric):
    """Profile generic whose buffer honours selective access by range/entry.

    The library's own filtering is unusable in 1.0.203 (see README), so the
    buffer (attribute 2) is computed here from the deterministic rows.
    """

    def __init__(self, ln, rows):
        GXDLMSProfileGeneric.__init__(self, ln)
        self.rows = rows
        self.raw = {}

    def getValue(self, settings, e):
        if e.index == 2:
            e.byteArray = True
            return encode_profile_rows(self.select(e.selector, e.parameters))
        return super().getValue(settings, e)

    def select(self, selector, parameters):
        n = self.rows
        if selector in (0, None) or parameters is None:
            return range(n)
        if selector == 1:
            # range_descriptor: {restricting_object, from_value, to_value, selected_values}
            lo = _as_datetime(parameters[1])
            hi = _as_datetime(parameters[2])
            if lo is None or hi is None:
                return range(0)
            out = []
            for i in range(n):
                t = profile_row(i)[0]
                if lo <= t <= hi:
                    out.append(i)
            return out
        if selector == 2:
            # entry_descriptor: {from_entry, to_entry, from_selected_value, to_selected_value}
            first = int(parameters[0]) or 1
            last = int(parameters[1]) or n
            last = min(last, n)
            return range(first - 1, last) if first <= last else range(0)
        return range(0)


class Association(GXDLMSAssociationLogicalName):
    """Association LN whose object list is produced in one piece.

    getObjects() reads ``e.isSkipMaxPduSize``, which ValueEventArgs does not
    have (it is ``skipMaxPduSize``); set the name it reads so that the whole
    list is encoded and the library's block transfer splits it.
    """

    def getValue(self, settings, e):
        if e.index == 2:
            e.isSkipMaxPduSize = True
        return GXDLMSAssociationLogicalName.getValue(self, settings, e)

    # handleMethodRequest calls this accessor (missing in 1.0.203).
    def getAssociationStatus(self):
        return self.associationStatus

    def invoke(self, settings, e):
        """reply_to_HLS_authentication for HLS-GMAC.

        The library's invoke() does ``GXByteBuffer(int(e.parameters))`` on the
        octet-string (a TypeError). Same computation, on bytes: check
        f(StoC) = SC || IC || GMAC(SC || AK || StoC) under the client's system
        title and answer f(CtoS) under ours.
        """
        if e.index != 1 or settings.authentication != Authentication.HIGH_GMAC:
            return GXDLMSAssociationLogicalName.invoke(self, settings, e)
        reply = bytes(e.parameters or b"")
        if len(reply) < 5 or not settings.sourceSystemTitle:
            self.associationStatus = AssociationStatus.NON_ASSOCIATED
            e.error = ErrorCode.READ_WRITE_DENIED
            return None
        ic = int.from_bytes(reply[1:5], "big")
        expected = GXSecure.secure(settings, settings.cipher, ic, settings.stoCChallenge, settings.sourceSystemTitle)
        if bytes(expected) != reply:
            self.associationStatus = AssociationStatus.NON_ASSOCIATED
            e.error = ErrorCode.READ_WRITE_DENIED
            return None
        answer = GXSecure.secure(
            settings, settings.cipher, settings.cipher.invocationCounter,
            settings.getCtoSChallenge(), settings.cipher.systemTitle,
        )
        settings.cipher.invocationCounter += 1
        self.associationStatus = AssociationStatus.ASSOCIATED
        return answer


def _as_datetime(value):
    """Range bound (octet-string or Gurux date-time) as naive local time.

    Bounds with a specified deviation are shifted to the profile's deviation
    (-120), so a client may send either local time or another offset.
    """
    if isinstance(value, GXDateTime):
        v = value.value
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone(datetime.timedelta(minutes=-CLOCK_DEVIATION)))
        return v.replace(tzinfo=None)
    if isinstance(value, (bytes, bytearray)):
        parsed = parse_cosem_datetime(bytes(value))
        if parsed is None:
            return None
        local, dev = parsed
        if dev is not None and dev != CLOCK_DEVIATION:
            local = local + datetime.timedelta(minutes=dev - CLOCK_DEVIATION)
        return local
    return None


def build_objects(args):
    objs = []

    clock = RawClock("0.0.1.0.0.255")
    if args.now:
        def now_bytes():
            # Local wall time; deviation/status from the host's zone.
            now = datetime.datetime.now().astimezone()
            off = now.utcoffset() or datetime.timedelta(0)
            dst = bool(now.dst())
            return axdr_octets(cosem_datetime(now.replace(tzinfo=None), -int(off.total_seconds() // 60),
                                              0x80 if dst else 0x00))
        clock.raw = {2: now_bytes}
    else:
        clock.raw = {2: axdr_octets(cosem_datetime(CLOCK_TIME))}
    clock.raw[3] = axdr_int(T_LONG, CLOCK_DEVIATION)                        # time_zone
    clock.raw[4] = axdr_int(0x11, CLOCK_STATUS)                             # status
    clock.raw[5] = axdr_octets(cosem_datetime(datetime.datetime(2026, 3, 29, 2, 0, 0), CLOCK_DEVIATION + 60, 0x00))
    clock.raw[6] = axdr_octets(cosem_datetime(datetime.datetime(2026, 10, 25, 3, 0, 0), CLOCK_DEVIATION, 0x80))
    clock.raw[7] = axdr_int(0x0F, 60)                                       # DST deviation
    clock.raw[8] = b"\x03\x01"                                              # DST enabled
    clock.raw[9] = axdr_int(0x16, 1)                                        # clock base: crystal
    objs.append(clock)

    serial = RawData("0.0.96.1.0.255")
    serial.raw = {2: axdr_octets(SERIAL_NUMBER)}
    objs.append(serial)

    ldn = RawData("0.0.42.0.0.255")
    ldn.raw = {2: axdr_octets(LOGICAL_DEVICE_NAME)}
    objs.append(ldn)

    registers = {}
    for ln, tag, value, scaler, unit in REGISTERS:
        reg = RawRegister(ln)
        reg.raw = {2: axdr_int(tag, value), 3: scaler_unit(scaler, unit)}
        registers[ln] = reg
        objs.append(reg)

    pg = LoadProfile(PROFILE_LN, args.profile_rows)
    pg.capturePeriod = PROFILE_PERIOD_S
    pg.sortMethod = 1  # FIFO
    pg.entriesInUse = args.profile_rows
    pg.profileEntries = args.profile_rows
    pg.addCaptureObject(clock, 2, 0)
    pg.addCaptureObject(registers["1.0.1.8.0.255"], 2, 0)
    pg.addCaptureObject(registers["1.0.2.8.0.255"], 2, 0)
    objs.append(pg)

    assoc = Association("0.0.40.0.0.255")
    objs.append(assoc)
    return objs


# ---------------------------------------------------------------------------
# The Gurux server with our overrides.
# ---------------------------------------------------------------------------

class Meter(GXDLMSSecureServer):
    def __init__(self, args, trace=None):
        GXDLMSSecureServer.__init__(self, True, InterfaceType.HDLC)
        self.args = args
        self.trace = trace
        self.client_sap = None
        # GXDLMSSecureServer stores its GXCiphering as settings.ciphering,
        # while the library reads settings.cipher: install it where it is used.
        c = GXCiphering(bytearray.fromhex(args.server_system_title))
        self.settings.cipher = c
        c.systemTitle = bytearray.fromhex(args.server_system_title)
        c.blockCipherKey = bytearray.fromhex(args.block_cipher_key)
        c.authenticationKey = bytearray.fromhex(args.authentication_key)
        self.settings.__class__ = _Settings
        self.settings.maxServerPDUSize = args.max_pdu
        self.conformance = (
            Conformance.BLOCK_TRANSFER_WITH_GET_OR_READ
            | Conformance.MULTIPLE_REFERENCES
            | Conformance.GET
            | Conformance.SET
            | Conformance.SELECTIVE_ACCESS
            | Conformance.ACTION
        )
        objs = build_objects(args)
        for o in objs:
            self.items.append(o)
        # initialize() would append the whole collection as one item (a
        # TypeError in 1.0.203): fill the object list first.
        assoc = objs[-1]
        for o in objs:
            assoc.objectList.append(o)
        self.initialize()
        self.association = self.items.findByLN(ObjectType.ASSOCIATION_LOGICAL_NAME, "0.0.40.0.0.255")

    # --- callbacks required by the abstract base -------------------------

    def isTarget(self, serverAddress, clientAddress):
        logical = serverAddress >> 7 if serverAddress < 0x4000 else serverAddress >> 14
        physical = serverAddress & 0x7F if serverAddress < 0x4000 else serverAddress & 0x3FFF
        ok = logical == SERVER_LOGICAL and physical == SERVER_PHYSICAL and clientAddress in CLIENTS
        if ok:
            self.client_sap = clientAddress
            self.association.clientSAP = clientAddress
            self.association.serverSAP = SERVER_LOGICAL
        return ok

    def onValidateAuthentication(self, authentication, password):
        spec = CLIENTS.get(self.client_sap)
        name = AUTH_NAMES.get(authentication)
        if spec is None or name is None or name not in spec["auth"]:
            return SourceDiagnostic.NOT_RECOGNISED
        if authentication == Authentication.LOW:
            given = bytes(password or b"")
            if given != self.args.password.encode():
                return SourceDiagnostic.AUTHENTICATION_FAILURE
        return SourceDiagnostic.NONE

    def onGetAttributeAccess(self, arg):
        if CLIENTS.get(self.client_sap, {}).get("access") == "read-write":
            return AccessMode.READ_WRITE
        return AccessMode.READ

    def onGetMethodAccess(self, arg):
        # reply_to_HLS_authentication must stay callable during HLS.
        if arg.target is self.association and arg.index == 1:
            return MethodAccessMode.ACCESS
        if CLIENTS.get(self.client_sap, {}).get("access") == "read-write":
            return MethodAccessMode.ACCESS
        return MethodAccessMode.NO_ACCESS

    def onFindObject(self, objectType, sn, ln):
        return None

    def onPreGet(self, args):
        pass

    def onPostGet(self, args):
        pass

    def onPreRead(self, args):
        pass

    # Called by GXDLMSLNCommandHandler.getRequestNormal without arguments.
    def notifyRead(self):
        pass

    def onPostRead(self, args=None):
        pass

    def onPreWrite(self, args):
        # Not reached in 1.0.203 (SET fails earlier, see README defect 20);
        # the model is read-only.
        for e in args:
            e.error = ErrorCode.READ_WRITE_DENIED

    def onPostWrite(self, args):
        pass

    def onPreAction(self, args):
        pass

    def onPostAction(self, args):
        pass

    def onConnected(self, connectionInfo):
        self._log("associated client=%s auth=%s" % (self.client_sap, AUTH_NAMES.get(self.settings.authentication)))

    def onInvalidConnection(self, connectionInfo):
        self._log("rejected association from client=%s" % self.client_sap)

    def onDisconnected(self, connectionInfo):
        self._log("released client=%s" % self.client_sap)

    # --- work-arounds for defects of gurux-dlms 1.0.203 (see README) -------

    def handleSnrmRequest(self, data):
        """UA with a well-formed, negotiated parameter field."""
        h = self.settings.hdlc
        proposed = {}
        if data is not None and data.available() >= 3:
            raw = bytes(data._data[data.position:data.size])
            proposed = parse_hdlc_parameters(raw)
        # Client's transmit is our receive and vice versa.
        limit = self.args.max_info
        h.maxInfoRX = min(proposed.get(0x05, 128), limit)
        h.maxInfoTX = min(proposed.get(0x06, 128), limit)
        h.windowSizeRX = 1
        h.windowSizeTX = 1
        self.reset(True)
        self.replyData.set(ua_information(h))
        self.settings.connected = ConnectionState.HDLC

    def generateDisconnectRequest(self):
        """UA to DISC: same parameter field as the SNRM's UA (as the corpus)."""
        self.replyData.set(ua_information(self.settings.hdlc))

    def handleReleaseRequest(self, data):
        """RLRE with LLC header and a correct BER length: 63 03 80 01 00."""
        self.replyData.set(bytes([0xE6, 0xE7, 0x00, 0x63, 0x03, 0x80, 0x01, 0x00]))

    # Accessors GXDLMSLNCommandHandler calls (missing in 1.0.203).
    def notifyConnected(self, connectionInfo):
        self.onConnected(connectionInfo)

    def setTransaction(self, value):
        if value is not None:
            value.__class__ = LongTransaction
        self.transaction = value

    def getTransaction(self):
        return self.transaction

    def handleCommand(self, cmd, data, sr):
        try:
            reply = GXDLMSSecureServer.handleCommand(self, cmd, data, sr)
            # The library never advances the server's invocation counter, so
            # every ciphered APDU would reuse one GCM nonce; advance it once
            # per handled request.
            c = self.settings.cipher
            if c is not None and c.isCiphered() and cmd not in (Command.SNRM, Command.DISCONNECT_REQUEST):
                c.invocationCounter += 1
            return reply
        except Exception:
            self._log("handler failed for command 0x%02X:\n%s" % (int(cmd), traceback.format_exc()))
            raise

    def _log(self, msg):
        if self.trace:
            self.trace(msg)


class _Settings(GXDLMSSettings):
    """GXDLMSSettings with two misspelt names of gurux-dlms 1.0.203 mapped.

    _GXAPDU clamps the client's proposed PDU size with the typo
    ``settings.setMaxPduSize = settings.maxServerPDUSize``; make that
    assignment do what it means.
    """

    def _clamp_pdu(self, value):
        self.maxPduSize = value

    setMaxPduSize = property(None, _clamp_pdu)

    # getRequestNextDataBlock reads the misspelt ``settings.gbtWndowSize``.
    gbtWndowSize = property(lambda self: self.gbtWindowSize)

    # handleMethodRequest calls this setter (missing in 1.0.203).
    def setConnected(self, value):
        self.connected = value


class LongTransaction(GXDLMSLongTransaction):
    """GXDLMSLongTransaction with setData() (called, but missing in 1.0.203)."""

    def setData(self, value):
        remaining = GXByteBuffer()
        remaining.set(value)  # from value.position to its end
        self.data = remaining


def _ber_length(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF])


def generate_aare(cls, settings, data, result, diagnostic, cipher, errorData, encryptedData):
    """Replacement for _GXAPDU.generateAARE (1.0.203 crashes on HLS).

    The library's version writes the responding-AP-title as
    ``A4 <len(st)> 04 <missing length>`` (a TypeError) and the
    responding-authentication-value as ``AA <len(StoC)> 80 ...`` (outer
    length two bytes short). This one emits the same fields, correctly:
    application-context-name, result, result-source-diagnostic
    (acse-service-user), responding-AP-title when HLS-GMAC or ciphering is in
    use, responder-acse-requirements + mechanism-name + StoC challenge for
    HLS, and user-information.
    """
    body = GXByteBuffer()
    cls.generateApplicationContextName(settings, body, cipher)
    body.set(bytes([0xA2, 0x03, 0x02, 0x01, int(result)]))
    body.set(bytes([0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, int(diagnostic)]))
    if cipher and (settings.authentication == Authentication.HIGH_GMAC or cipher.isCiphered()):
        st = bytes(cipher.systemTitle)
        body.set(bytes([0xA4]) + _ber_length(len(st) + 2) + bytes([0x04, len(st)]) + st)
    if settings.authentication > Authentication.LOW:
        stoc = bytes(settings.stoCChallenge)
        body.set(bytes([0x88, 0x02, 0x07, 0x80]))
        body.set(bytes([0x89, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, int(settings.authentication)]))
        body.set(bytes([0xAA]) + _ber_length(len(stoc) + 2) + bytes([0x80, len(stoc)]) + stoc)
    if result == 0 or not cipher or cipher.security == 0:
        if encryptedData:
            tmp = bytes([0x28]) + axdr_length(len(encryptedData)) + bytes(encryptedData)
        elif errorData:
            tmp = bytes(errorData.array() if isinstance(errorData, GXByteBuffer) else errorData)
        else:
            tmp = bytes(cls.getUserInformation(settings, cipher))
        body.set(bytes([0xBE]) + _ber_length(len(tmp) + 2) + bytes([0x04]) + _ber_length(len(tmp)) + tmp)
    payload = bytes(body.array())
    data.set(bytes([0x61]) + _ber_length(len(payload)) + payload)


_GXAPDU.generateAARE = classmethod(generate_aare)

def handle_glo_ded_request(cls, settings, data):
    """Replacement for GXDLMS.handleGloDedRequest (server side).

    1.0.203 builds ``AesGcmParameter(systemTitle, key, authenticationKey)``
    although the constructor is ``(tag, systemTitle, key, authenticationKey)``,
    so every glo-/ded- ciphered request fails to decrypt (FRMR). Same logic,
    right argument order.
    """
    if settings.cipher is None:
        raise ValueError("Secure connection is not supported.")
    data.data.position = data.data.position - 1
    if (data.moreData & RequestTypes.FRAME) != 0:
        return
    c = settings.cipher
    key = c.dedicatedKey if (c.dedicatedKey and (settings.connected & ConnectionState.DLMS) != 0) else c.blockCipherKey
    p = AesGcmParameter(0, settings.sourceSystemTitle, key, c.authenticationKey)
    plain = GXCiphering.decrypt(settings, p, data.data)
    data.data.clear()
    data.data.set(plain)
    data.command = Command(data.data.getUInt8())


GXDLMS.handleGloDedRequest = classmethod(handle_glo_ded_request)

# handleMethodRequest passes ``list(e)`` (e is one ValueEventArgs) to the
# onPreAction/onPostAction callbacks: make a single event iterate as itself.
ValueEventArgs.__iter__ = lambda self: iter((self,))


class ServerReply(GXServerReply):
    """GXServerReply with the accessors GXDLMSServer calls (missing in 1.0.203)."""

    def setReply(self, value):
        self.reply = value

    def getConnectionInfo(self):
        return self.connectionInfo

    def setCount(self, value):
        self.count = value

    def getCount(self):
        return self.count


def parse_hdlc_parameters(raw):
    """Parse the SNRM/UA information field (81 80 LL {id len value}*)."""
    out = {}
    if len(raw) < 3 or raw[0] != 0x81 or raw[1] != 0x80:
        return out
    end = min(len(raw), 3 + raw[2])
    pos = 3
    while pos + 2 <= end:
        pid, plen = raw[pos], raw[pos + 1]
        val = raw[pos + 2:pos + 2 + plen]
        if len(val) != plen:
            break
        out[pid] = int.from_bytes(val, "big") if val else 0
        pos += 2 + plen
    return out


def ua_information(h):
    def param(pid, value, width=None):
        if width is None:
            width = 1 if value < 0x100 else 2
        return bytes([pid, width]) + value.to_bytes(width, "big")

    body = (
        param(0x05, h.maxInfoTX)
        + param(0x06, h.maxInfoRX)
        + param(0x07, h.windowSizeTX, 4)
        + param(0x08, h.windowSizeRX, 4)
    )
    return bytes([0x81, 0x80, len(body)]) + body


# ---------------------------------------------------------------------------
# HDLC over TCP transport.
# ---------------------------------------------------------------------------

def split_frames(buf):
    """Yield complete HDLC frames from ``buf`` (a bytearray, consumed)."""
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
        if buf[1] == 0x7E:  # shared/duplicated flag
            del buf[:1]
            continue
        length = ((buf[1] & 0x07) << 8) | buf[2]
        total = length + 2
        if length < 5:
            del buf[:1]
            continue
        if len(buf) < total:
            break
        frame = bytes(buf[:total])
        if frame[-1] != 0x7E:
            del buf[:1]
            continue
        frames.append(frame)
        del buf[:total]
    return frames


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        meter = Meter(srv.args, srv.trace)
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(srv.args.idle_timeout)
        buf = bytearray()
        srv.trace("connection from %s:%d" % self.client_address)
        try:
            while True:
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    srv.trace("idle timeout, closing")
                    return
                if not chunk:
                    return
                buf += chunk
                for frame in split_frames(buf):
                    srv.wire("C->S", frame)
                    sr = ServerReply(bytearray(frame))
                    try:
                        meter.handleRequest(sr)
                    except Exception:  # noqa: BLE001 - log and drop the connection
                        print("gurux_meter: request failed, closing connection:\n" + traceback.format_exc(),
                              file=sys.stderr, flush=True)
                        return
                    if sr.reply:
                        reply = bytes(sr.reply)
                        srv.wire("S->C", reply)
                        sock.sendall(reply)
        except (ConnectionError, OSError) as exc:
            srv.trace("connection error: %s" % exc)
        finally:
            srv.trace("connection closed")


class Server(socketserver.TCPServer):
    allow_reuse_address = True

    def __init__(self, args):
        self.args = args
        self._wire_file = open(args.wire_log, "a") if args.wire_log else None
        self._lock = threading.Lock()
        socketserver.TCPServer.__init__(self, ("127.0.0.1", args.port), Handler)

    def trace(self, msg):
        if self.args.verbose:
            print("gurux_meter: " + msg, file=sys.stderr, flush=True)

    def wire(self, direction, frame):
        if self._wire_file:
            with self._lock:
                self._wire_file.write(json.dumps({"dir": direction, "hex": frame.hex().upper()}) + "\n")
                self._wire_file.flush()
        if self.args.verbose:
            print("gurux_meter: %s %s" % (direction, frame.hex().upper()), file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Deterministic DLMS/COSEM meter (gurux-dlms server, HDLC over TCP on 127.0.0.1).",
        epilog="Prints one JSON 'ready' line on stdout, then serves until SIGTERM/SIGINT.",
    )
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = pick a free port; default 0)")
    p.add_argument("--password", default=DEFAULT_PASSWORD, help="LLS password (default %(default)s)")
    p.add_argument("--block-cipher-key", default=GREEN_BOOK_BLOCK_CIPHER_KEY, help="global unicast encryption key, hex")
    p.add_argument("--authentication-key", default=GREEN_BOOK_AUTHENTICATION_KEY, help="authentication key, hex")
    p.add_argument("--server-system-title", default=GREEN_BOOK_SERVER_SYSTEM_TITLE, help="server system title, hex")
    p.add_argument("--profile-rows", type=int, default=PROFILE_DEFAULT_ROWS, help="rows in the load profile (default %(default)s)")
    p.add_argument("--now", action="store_true", help="clock attribute 2 returns the host's local time instead of the fixed time")
    p.add_argument("--max-info", type=int, default=128, help="largest HDLC information field accepted in SNRM/UA (default %(default)s)")
    p.add_argument("--max-pdu", type=int, default=512, help="server max receive/send PDU size in the AARE (default %(default)s)")
    p.add_argument("--idle-timeout", type=float, default=120.0, help="close a connection idle for this many seconds (default %(default)s)")
    p.add_argument("--wire-log", help="append every HDLC frame as a JSON line {dir, hex} to this file")
    p.add_argument("--verbose", action="store_true", help="trace connections and frames on stderr")
    args = p.parse_args(argv)
    if args.profile_rows < 0:
        p.error("--profile-rows must be >= 0")
    for name in ("block_cipher_key", "authentication_key"):
        if len(bytes.fromhex(getattr(args, name))) != 16:
            p.error("--%s must be 16 bytes of hex" % name.replace("_", "-"))
    if len(bytes.fromhex(args.server_system_title)) != 8:
        p.error("--server-system-title must be 8 bytes of hex")

    try:
        server = Server(args)
    except OSError as exc:
        print(json.dumps({"kind": "error", "error": "cannot listen on 127.0.0.1:%d: %s" % (args.port, exc)}), flush=True)
        return 1

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    host, port = server.server_address[:2]
    ready = {
        "kind": "ready",
        "tcp": "%s:%d" % (host, port),
        "pid": os.getpid(),
        "server": {"logical": SERVER_LOGICAL, "physical": SERVER_PHYSICAL},
        "clients": {str(k): v for k, v in CLIENTS.items()},
        "system_title": args.server_system_title.upper(),
        "profile_rows": args.profile_rows,
        "max_info": args.max_info,
        "max_pdu": args.max_pdu,
    }
    print(json.dumps(ready), flush=True)
    # Nothing but the ready line goes to stdout: the library prints progress
    # text ("Encryption is applied.") there.
    sys.stdout = sys.stderr if args.verbose else open(os.devnull, "w")
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
