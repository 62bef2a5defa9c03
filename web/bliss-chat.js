/* Starts the clinic's chat widget (rasa-webchat) in the page corner.
 * The socket URL comes from this script tag's data-socket-url attribute, so the same file
 * works on the demo page and on the clinic's site. Bot and visitor text is shown as text:
 * rasa-webchat renders bot text as Markdown with HTML escaped, and visitor text as plain text. */
(function () {
  "use strict";
  var script = document.currentScript;
  var socketUrl = script.getAttribute("data-socket-url");
  var title = script.getAttribute("data-title") || "Chat";
  // The widget's own words, in the browser's language (English or Spanish). The first message asks
  // for the greeting in that language; its buttons let the visitor switch (English / Español).
  var spanish = (navigator.language || "").toLowerCase().indexOf("es") === 0;
  var words = spanish
    ? { subtitle: "Preguntas sobre la naltrexona en dosis baja", hint: "Escriba su pregunta sobre la LDN...",
        start: '/greet{"language": "es"}', unavailable: script.getAttribute("data-unavailable-es") }
    : { subtitle: "Questions about low-dose naltrexone", hint: "Ask a question about LDN...", start: "/greet",
        unavailable: script.getAttribute("data-unavailable") };
  // A message longer than the assistant reads (its first and last window, channels/incoming.py
  // readable_part) is cut to those two ends before it is sent: a pasted document then never exceeds
  // the socket's packet limit, which would close the connection unanswered, and an emergency said
  // first or last is still read. The server cuts what other clients send the same way.
  var readWindow = parseInt(script.getAttribute("data-read-window"), 10);
  var unreadMark = script.getAttribute("data-unread-mark");
  function readablePart(text) {
    if (!(readWindow > 0) || typeof text !== "string" || text.length <= 2 * readWindow + unreadMark.length) {
      return text;
    }
    return text.slice(0, readWindow) + unreadMark + text.slice(-readWindow);
  }
  function sendReadableParts(socket) {  // once per socket: rasa-webchat keeps it across reconnects
    if (socket.blissReadable) return;
    socket.blissReadable = true;
    var emit = socket.emit;
    socket.emit = function (event, data) {
      if (event === "user_uttered" && data && typeof data.message === "string") {
        arguments[1] = Object.assign({}, data, { message: readablePart(data.message) });
      }
      return emit.apply(socket, arguments);
    };
  }
  // A message whose socket dropped before its reply (the server that had it stopped, the network
  // went away) is sent again once the widget has reconnected and its session is confirmed, marked
  // "resent": the server gives the stored reply if the first turn was stored, else answers it now
  // (channels/socketio.py). rasa-webchat keeps the conversation in sessionStorage ("chat_session").
  var dropped = false;
  function storedSession() {  // null when what is stored is not readable JSON
    try {
      return JSON.parse(sessionStorage.getItem("chat_session") || "{}") || {};
    } catch (unreadable) {  // another script or an old widget version wrote it
      return null;
    }
  }
  // rasa-webchat reads the stored conversation without a try: an unreadable one kept the widget from
  // showing at all (tests/test_web_widget.py). Such a conversation cannot be shown anyway: start anew.
  if (storedSession() === null) sessionStorage.removeItem("chat_session");
  function unansweredVisitorMessage() {
    var stored = storedSession();
    if (stored === null) return null;  // nothing to resend
    var shown = (stored.conversation || []).filter(function (message) { return !message.hidden; });
    var last = shown[shown.length - 1];
    return last && last.sender === "client" && last.text ? last.text : null;
  }
  // (Not a session_confirm handler of our own: it would replace rasa-webchat's, which shows the widget.)
  var socketEvents = {
    disconnect: function () { dropped = true; },
    connect: function () {
      var socket = this;
      sendReadableParts(socket);
      if (!dropped) return;
      dropped = false;
      socket.once("session_confirm", function (confirmed) {
        var text = unansweredVisitorMessage();
        var sessionId = confirmed && confirmed.session_id ? confirmed.session_id : confirmed;
        if (text) socket.emit("user_uttered", { message: text, session_id: sessionId, resent: true });
      });
    },
  };
  window.WebChat.default(
    {
      socketUrl: socketUrl,
      socketPath: "/socket.io/",
      title: title,
      subtitle: words.subtitle,
      inputTextFieldHint: words.hint,
      initPayload: words.start,
      // While the assistant cannot be reached (its server restarting), the widget stays on the page and
      // its header says so, with the clinic's phone and 911 (the apology of answers.yml, put in the page
      // by its server); rasa-webchat would otherwise hide the whole widget.
      hideWhenNotConnected: false,
      withRules: false, // (Botfront's rules, unused) else rasa-webchat shows nothing until a session is confirmed
      connectingText: words.unavailable || (spanish ? "Conectando..." : "Connecting..."),
      // "session": the conversation survives reloads and is forgotten when the tab closes
      // (a shared computer in a waiting room should not show the last patient's questions).
      params: { storage: "session" },
      showMessageDate: false,
      onSocketEvent: socketEvents,
      // Short pauses between bubbles: long enough to read as separate messages.
      customMessageDelay: function (message) {
        return Math.min(900, 250 + 3 * message.length);
      },
    },
    document.getElementById("bliss-chat")
  );
})();
